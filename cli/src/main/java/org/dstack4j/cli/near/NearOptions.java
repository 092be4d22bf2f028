package org.dstack4j.cli.near;

import java.net.URI;
import java.time.Duration;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.mpc.Votes;
import org.dstack4j.near.rpc.NearRpc;
import picocli.CommandLine.Option;

/** {@code --near-rpc}, {@code --contract}, {@code --timeout}: where the MPC contract is read. */
public final class NearOptions {
    @Option(names = "--near-rpc", required = true, paramLabel = "URL",
            description = "a NEAR JSON-RPC endpoint, e.g. https://rpc.mainnet.near.org (an API key in the path is never printed)")
    URI nearRpc;

    @Option(names = "--contract", required = true, paramLabel = "ACCOUNT",
            description = "the MPC contract's account, e.g. v1.signer (mainnet) or v1.signer-prod.testnet")
    String contract;

    @Option(names = "--rpc-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "deadline of each RPC call, whole answer included (a signed vote waits up to 60 s for finality). Default: ${DEFAULT-VALUE}")
    long timeoutSeconds;

    /**
     * The contract client; close its {@link MpcContract#rpc()} when done.
     *
     * @throws IllegalArgumentException on a bad URL, account or timeout
     */
    public MpcContract open() {
        Votes.accountId("--contract", contract);
        if (timeoutSeconds <= 0 || timeoutSeconds > 600) throw new IllegalArgumentException("--rpc-timeout must be 1..600 seconds");
        return new MpcContract(new NearRpc(nearRpc, Duration.ofSeconds(timeoutSeconds), NearRpc.DEFAULT_MAX_RESPONSE), contract);
    }

    public String contract() {
        return contract;
    }
}
