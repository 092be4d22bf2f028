package org.dstack4j.cli.cluster;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The chain endpoint and contract options shared by the cluster commands. */
final class ChainOptions {
    @Option(names = "--rpc", paramLabel = "URL", required = true,
            description = "EVM JSON-RPC endpoint (http or https). Only 'cluster node' takes it more than once (a quorum of endpoints).")
    java.util.List<URI> rpc;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    @Option(names = "--rpc-timeout", paramLabel = "SECONDS", defaultValue = "10", description = "Deadline of one RPC call.")
    int rpcTimeout;

    /** The one endpoint; refuses several (only the node daemon reads through a quorum). */
    JsonRpcClient client() {
        if (rpc.size() != 1) {
            throw new ParameterException(mixee.commandLine(), "--rpc given " + rpc.size() + " times: this command reads one endpoint");
        }
        return clients().get(0);
    }

    /** A client per --rpc, in the order given. */
    java.util.List<JsonRpcClient> clients() {
        return rpc.stream().map(u -> new JsonRpcClient(u, Duration.ofSeconds(rpcTimeout), JsonRpcClient.DEFAULT_MAX_RESPONSE)).toList();
    }

    /** Parses an address option, naming it on error. */
    static Address address(picocli.CommandLine cl, String option, String value) {
        try {
            return Address.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, option + ": " + e.getMessage() + " (give a 0x-prefixed 20-byte address)");
        }
    }

    /**
     * A secp256k1 key from a file (hex, optional 0x) or, without a file, from the environment variable {@code env}.
     * The key is never printed.
     */
    static SigningKey key(picocli.CommandLine cl, Path file, String env) {
        String text;
        String from;
        try {
            if (file != null) {
                if (Files.size(file) > 1024) throw new ParameterException(cl, "--key-file " + file + " is too large for a hex key");
                text = Files.readString(file);
                from = "--key-file " + file;
            } else {
                text = System.getenv(env);
                from = "$" + env;
                if (text == null) throw new ParameterException(cl, "no key: give --key-file FILE (hex private key) or set $" + env);
            }
        } catch (java.io.IOException e) {
            throw new ParameterException(cl, "cannot read --key-file " + file + ": " + e.getMessage());
        }
        String hex = text.strip();
        if (hex.startsWith("0x")) hex = hex.substring(2);
        if (!hex.matches("[0-9a-fA-F]{64}")) throw new ParameterException(cl, from + " must hold a 32-byte hex private key");
        return SigningKey.of(java.util.HexFormat.of().parseHex(hex));
    }

    TransactionSender sender(JsonRpcClient rpc, SigningKey key, int receiptTimeoutSeconds) throws Exception {
        return new TransactionSender(rpc, key, rpc.chainId(), Duration.ofSeconds(receiptTimeoutSeconds), Duration.ofMillis(200));
    }
}
