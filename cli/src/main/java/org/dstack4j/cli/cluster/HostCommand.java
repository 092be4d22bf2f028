package org.dstack4j.cli.cluster;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.RelayServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dstack4j cluster host}: the untrusted host relay of one CVM. */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = {"Runs the host relay: the node's only link out, on a unix socket. It submits the node's contract calls",
            "(requestJoin, submitGenesis, onboard, reject) from the operator's gas key and fetches DCAP collateral.",
            "It can refuse or delay; what it could alter is bound by the quote and the cluster signer. Stops on SIGTERM.",
            "With --tunnel it also opens byte tunnels (HTTP CONNECT on the same socket) to the RPC",
            "endpoints the node's app-compose pins (dstack4j_cluster.rpc): the node reads the chain",
            "through them with TLS ended inside the CVM, so the relay carries ciphertext and can only",
            "refuse or delay reads. Give each pinned endpoint once."})
public final class HostCommand implements Callable<Integer> {
    static final String KEY_ENV = "DSTACK4J_OPERATOR_KEY";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ChainOptions chain;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Unix socket to serve (mode 0660).")
    Path socket;

    @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
    String contract;

    @Option(names = "--key-file", paramLabel = "FILE", description = "Operator's gas key (hex). Default: $" + KEY_ENV + ".")
    Path keyFile;

    @Option(names = "--collateral", paramLabel = "FILE", description = "Serve this DCAP collateral (dcap-qvl JSON) to the node.")
    Path collateral;

    @Option(names = "--pccs", paramLabel = "URL", description = "Fetch collateral from this PCCS (or Intel's PCS).")
    URI pccs;

    @Option(names = "--tunnel", paramLabel = "URL|HOST:PORT",
            description = "An RPC endpoint the node may open a tunnel to (repeat per pinned endpoint; an URL stands for its host:port). "
                    + "Without it the relay refuses every CONNECT.")
    java.util.List<String> tunnels = java.util.List.of();

    @Option(names = "--receipt-timeout", paramLabel = "SECONDS", defaultValue = "120", description = "How long a submit waits for its receipt.")
    int receiptTimeout;

    @Override
    public Integer call() throws Exception {
        if (collateral != null && pccs != null) throw new CommandLine.ParameterException(spec.commandLine(), "give one of --collateral, --pccs");
        JsonRpcClient rpc = chain.client();
        TransactionSender sender = chain.sender(rpc, ChainOptions.key(spec.commandLine(), keyFile, KEY_ENV), receiptTimeout);
        ClusterContract c = new ClusterContract(ChainOptions.address(spec.commandLine(), "--contract", contract));
        HostRelay relay = collateral != null ? HostRelay.withCollateralFile(c, sender, collateral)
                : pccs != null ? HostRelay.withPccs(c, sender, PccsClient.of(pccs)) : HostRelay.withoutCollateral(c, sender);
        java.util.Set<String> targets = new java.util.LinkedHashSet<>();
        for (String t : tunnels) {
            try {
                targets.add(t.contains("://") ? RelayServer.tunnelTarget(URI.create(t)) : t);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tunnel " + t + ": give an http(s) URL or host:port (" + e.getMessage() + ")");
            }
        }
        RelayServer server;
        try {
            server = RelayServer.start(socket, relay, Duration.ofSeconds(receiptTimeout + 30L), targets);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tunnel: " + e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            rpc.close();
        }));
        spec.commandLine().getErr().println("dstack4j cluster host: relaying for " + sender.from().toLowerHex() + " on " + server.socket()
                + (targets.isEmpty() ? "" : ", tunnels to " + targets));
        server.join();
        return 0;
    }
}
