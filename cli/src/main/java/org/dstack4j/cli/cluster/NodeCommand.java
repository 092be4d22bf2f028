package org.dstack4j.cli.cluster;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.dstack4j.chain.Hex;
import org.dstack4j.cluster.apps.AppKeyServer;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.daemon.ChainSource;
import org.dstack4j.cluster.daemon.DaemonConfig;
import org.dstack4j.cluster.daemon.NodeChain;
import org.dstack4j.cluster.daemon.NodeDaemon;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import picocli.CommandLine.Option;

/** {@code dstack4j cluster node}: the node daemon inside the CVM. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = {"Runs the cluster node in this CVM: with --genesis it draws the secret and waits for the governor's",
            "bootstrap; otherwise it requests to join with a fresh in-memory key and waits for a member's answer. Then it",
            "answers other nodes' requests until SIGTERM (the secret is zeroed on exit; a restart joins again).",
            "Its app-compose (read from the agent) must pin this chain and contract. Prints one JSON line per event,",
            "public values only. Exit codes: 143 stopped by SIGTERM, 0 done (--exit-after-join), 3 refused",
            "(the check is printed), 4 timed out, 1 failed.",
            "The relay is the node's only link out: when dstack4j_cluster in the app-compose pins \"rpc\"",
            "(and \"rpc_quorum\", \"rpc_ca\"), the node reads exactly those endpoints through the relay's",
            "tunnel, TLS ended in the CVM; a strict majority must agree on every read (a disagreement",
            "decides nothing: one 'rpc-disagreement' line). Devnet only: without that pin, give --rpc",
            "(several times for a quorum); the node then reads the host-chosen endpoints directly.",
            "See docs/cluster.md, trust model.",
            "When dstack4j_cluster pins \"tls\" (domain, acme_directory, acme_root, upstream) it also serves that",
            "HTTPS site with the cluster's derived key once it holds the secret (unstoppable TLS: one member orders",
            "over ACME, every member checks and serves; docs/tls.md, 'In the node'); give --tls-store. Devnet only:",
            "without that pin, --tls-domain with --acme-directory and --acme-root name the site."})
public final class NodeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rpc", paramLabel = "URL",
            description = "Devnet only, when the app-compose pins no \"rpc\": a JSON-RPC endpoint read directly (repeat for a quorum). "
                    + "With a pinned list it may only repeat that list (anything else is an error); the pinned list is read through the relay.")
    java.util.List<java.net.URI> rpc = java.util.List.of();

    @Option(names = "--rpc-timeout", paramLabel = "SECONDS", defaultValue = "10", description = "Deadline of one RPC call.")
    int rpcTimeout;

    @Option(names = "--agent-socket", paramLabel = "PATH", required = true, description = "The guest agent's unix socket.")
    Path agentSocket;

    @Option(names = "--relay-socket", paramLabel = "PATH", required = true, description = "The host relay's unix socket.")
    Path relaySocket;

    @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract (must equal the pin).")
    String contract;

    @Option(names = "--genesis", description = "Start the cluster (the compose must pin no keys).")
    boolean genesis;

    @Option(names = "--confirmations", paramLabel = "BLOCKS", defaultValue = "2", description = "Read at head minus this many blocks.")
    int confirmations;

    @Option(names = "--poll-ms", paramLabel = "MS", defaultValue = "1000", description = "Chain poll interval.")
    long pollMs;

    @Option(names = "--fallback-delay", paramLabel = "SECONDS", defaultValue = "20", description = "The k-th responder waits k times this.")
    long fallbackSeconds;

    @Option(names = "--join-timeout", paramLabel = "SECONDS", defaultValue = "600", description = "Give up joining (or awaiting bootstrap) after this.")
    long joinTimeout;

    @Option(names = "--rpc-quorum", paramLabel = "K",
            description = "With several --rpc: how many must agree (a strict majority; default: the smallest one). "
                    + "With a pinned list, only the pinned rpc_quorum is accepted.")
    Integer rpcQuorum;

    @Option(names = "--exit-after-join", description = "Exit once the secret is held instead of serving as a member.")
    boolean exitAfterJoin;

    @Option(names = "--app-socket", paramLabel = "PATH",
            description = "Serve this CVM's app keys and EVM attestations to a cluster-mode agent (`agent --cluster-keys PATH`) "
                    + "on this unix socket, mode 0600 (docs/cluster-apps.md); answers 503 until the node holds the secret.")
    Path appSocket;

    @Mixin
    NodeTlsOptions tls;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        DaemonConfig cfg = new DaemonConfig(confirmations, Duration.ofMillis(pollMs), Duration.ofSeconds(fallbackSeconds), Duration.ofSeconds(joinTimeout));
        try (DstackClient agent = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(agentSocket)).timeout(Duration.ofSeconds(30)).build();
                RelayClient relay = new RelayClient(relaySocket, Duration.ofSeconds(180))) {
            String compose = agent.info().tcbInfo().appCompose();
            ClusterPin pin = ClusterPin.fromCompose(compose).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                    "the agent's app-compose has no \"" + ClusterPin.FIELD + "\" pin: this CVM is not a cluster node"));
            NodeChain chain;
            try {
                chain = NodeChain.open(pin, rpc, java.util.Optional.ofNullable(rpcQuorum), relaySocket, Duration.ofSeconds(rpcTimeout));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            try (chain) {
                spec.commandLine().getErr().println("dstack4j cluster node: " + chain.describe());
                return run(out, cfg, agent, relay, compose, pin, chain);
            }
        }
    }

    private Integer run(PrintWriter out, DaemonConfig cfg, DstackClient agent, RelayClient relay, String compose, ClusterPin pin,
            NodeChain chain) throws Exception {
        ChainSource source = chain.source();
        // through the quorum: a minority of pinned endpoints down or lying is a warning, not a stop
        try {
            chain.requireChain(pin.cluster().chainId(), w -> spec.commandLine().getErr().println("dstack4j cluster node: warning: " + w));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (org.dstack4j.chain.rpc.RpcException e) {
            throw new IllegalStateException("cannot read the chain id from a quorum of the RPC endpoints: " + e.getMessage(), e);
        }
        ClusterContract c = new ClusterContract(ChainOptions.address(spec.commandLine(), "--contract", contract));
        CountDownLatch done = new CountDownLatch(1);
        DstackAttestor attestor = new DstackAttestor(agent, compose);
        try (NodeDaemon d = new NodeDaemon(source, c, attestor, pin, relay, relay, cfg, line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }); AutoCloseable site = tls.start(spec.commandLine(), pin, d, attestor, out); AppKeyServer apps = appSocket == null ? null : AppKeyServer.start(appSocket, d::withDerivation, pin.cluster(),
                Hex.decode(agent.info().appId(), 20, "the agent's app id"), Duration.ofSeconds(60))) {
            Thread hook = new Thread(() -> {
                d.close();
                try {
                    done.await();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                NodeDaemon.Start s = genesis ? d.genesis() : d.join();
                switch (s) {
                    case NodeDaemon.Holding h -> { }
                    case NodeDaemon.Refused r -> {
                        return 3;
                    }
                    case NodeDaemon.TimedOut t -> {
                        spec.commandLine().getErr().println("dstack4j: timed out waiting for " + t.what());
                        return 4;
                    }
                    case NodeDaemon.Failed f -> {
                        spec.commandLine().getErr().println("dstack4j: " + f.reason());
                        return 1;
                    }
                }
                if (!exitAfterJoin) d.serve();
                return 0;
            } finally {
                done.countDown();
            }
        }
    }
}
