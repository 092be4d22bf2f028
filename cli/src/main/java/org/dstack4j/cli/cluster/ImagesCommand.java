package org.dstack4j.cli.cluster;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.daemon.NodeChain;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.images.ImageDigestFile;
import org.dstack4j.images.ImageFollower;
import org.dstack4j.images.ImageWatchLoop;
import org.dstack4j.images.ImageWatcher;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.DstackException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dstack4j cluster images}: KubernEthes inside a member CVM. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "KubernEthes: the cluster contract's approved images drive the launcher (docs/cluster-apps.md).",
        subcommands = {ImagesCommand.Watch.class, CommandLine.HelpCommand.class})
public final class ImagesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code dstack4j cluster images watch}: the long-running follower beside the launcher. */
    @Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Runs in the member CVM beside the launcher until SIGTERM. It reads the chain exactly as",
                "'cluster node' does: the app-compose (read from the agent) must pin the cluster",
                "(dstack4j_cluster: chain_id, contract); when it pins \"rpc\" (and \"rpc_quorum\", \"rpc_ca\"),",
                "exactly those endpoints are read through the host relay's tunnel, TLS ended in the CVM, and",
                "a quorum of them must agree on every read. Devnet only: without that pin, give --rpc (read",
                "directly; the host then chooses what the watcher sees). Each round reads the contract's",
                "approved images at head minus --confirmations and:",
                "  - rewrites --digest-file (the launcher's approved hashes, newest first; atomic, never",
                "    empty) when they changed;",
                "  - removes the launcher's container (mpc-node) at once when its image is revoked;",
                "  - asks the host relay for a reboot when a newer image is approved (once per newest",
                "    image; again every --reboot-reask while it still does not run): the launcher picks",
                "    an image only at boot. The host may ignore or fail the reboot; it cannot",
                "    make the launcher run an image the contract does not approve.",
                "Failed rounds (RPC, engine, relay) are retried with a doubling delay up to --max-backoff.",
                "Logs one key=value line per event on stderr (event=chain|start|round|error|recovered|stop).",
                "Exit: 143 after SIGTERM (the JVM's status for the signal), 0 when --once succeeded,",
                "1 when --once or the start failed, 2 for bad",
                "options (or options that conflict with the pin)."})
    public static final class Watch implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--agent-socket", paramLabel = "PATH", required = true,
                description = "The guest agent's unix socket: the measured app-compose (its dstack4j_cluster pin) is read there.")
        Path agentSocket;

        @Option(names = "--relay-socket", paramLabel = "PATH", required = true,
                description = "The host relay's unix socket: pinned RPC endpoints are read through its tunnel; reboot requests go there.")
        Path relaySocket;

        @Option(names = "--contract", paramLabel = "ADDRESS",
                description = "The DstackCluster contract. Default: the one the app-compose pins; any other is an error.")
        String contract;

        @Option(names = "--rpc", paramLabel = "URL",
                description = "Devnet only, when the app-compose pins no \"rpc\": a JSON-RPC endpoint read directly (repeat for a quorum). "
                        + "With a pinned list it may only repeat that list; the pinned list is read through the relay.")
        java.util.List<java.net.URI> rpc = java.util.List.of();

        @Option(names = "--rpc-quorum", paramLabel = "K",
                description = "With several --rpc: how many must agree (a strict majority; default: the smallest one). "
                        + "With a pinned list, only the pinned rpc_quorum is accepted.")
        Integer rpcQuorum;

        @Option(names = "--rpc-timeout", paramLabel = "SECONDS", defaultValue = "10", description = "Deadline of one RPC call. Default: ${DEFAULT-VALUE}")
        int rpcTimeout;

        @Option(names = "--digest-file", paramLabel = "FILE", description = "The launcher's approved hashes file. Default: "
                + "/mnt/shared/image-digest.bin")
        Path digestFile = ImageDigestFile.DEFAULT;

        @Option(names = "--docker-host", paramLabel = "URL",
                description = "Docker Engine API endpoint. Default: $DOCKER_HOST, else unix:///var/run/docker.sock")
        String dockerHost;

        @Option(names = "--confirmations", paramLabel = "BLOCKS", defaultValue = "2", description = "Read at head minus this many blocks. Default: ${DEFAULT-VALUE}")
        int confirmations;

        @Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "6", description = "Delay between rounds. Default: ${DEFAULT-VALUE}")
        double pollSeconds;

        @Option(names = "--max-backoff", paramLabel = "SECONDS", defaultValue = "120",
                description = "Longest delay between failed rounds. Default: ${DEFAULT-VALUE}")
        double maxBackoffSeconds;

        @Option(names = "--engine-timeout", paramLabel = "SECONDS", defaultValue = "30",
                description = "Deadline of one Docker Engine call. Default: ${DEFAULT-VALUE}")
        int engineTimeout;

        @Option(names = "--reboot-reask", paramLabel = "SECONDS", defaultValue = "900",
                description = "Ask for the reboot again when the newest image still does not run this long after the last "
                        + "request (the host may have failed it). Default: ${DEFAULT-VALUE}")
        long rebootReask;

        @Option(names = "--once", description = "Run one round, print it, and exit.")
        boolean once;

        Map<String, String> environment = System.getenv();

        @Override
        public Integer call() throws Exception {
            CommandLine cl = spec.commandLine();
            if (confirmations < 0 || confirmations > 1000) throw new CommandLine.ParameterException(cl, "--confirmations must be 0..1000");
            Duration poll = seconds(cl, "--poll", pollSeconds);
            Duration maxBackoff = seconds(cl, "--max-backoff", maxBackoffSeconds);
            if (maxBackoff.compareTo(poll) < 0) throw new CommandLine.ParameterException(cl, "--max-backoff must be at least --poll");
            if (engineTimeout <= 0 || engineTimeout > 600) throw new CommandLine.ParameterException(cl, "--engine-timeout must be 1..600 seconds");
            if (rebootReask < 1 || rebootReask > 7 * 86400) throw new CommandLine.ParameterException(cl, "--reboot-reask must be 1..604800 seconds");
            if (rpcTimeout <= 0 || rpcTimeout > 600) throw new CommandLine.ParameterException(cl, "--rpc-timeout must be 1..600 seconds");
            Path dir = digestFile.toAbsolutePath().getParent();
            if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
                throw new CommandLine.ParameterException(cl, "--digest-file " + digestFile + ": its directory does not exist (mount /mnt/shared or give another file)");
            }
            PrintWriter err = cl.getErr();
            ClusterPin pin;
            try (DstackClient agent = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(agentSocket)).timeout(Duration.ofSeconds(30)).build()) {
                pin = ClusterPin.fromCompose(agent.info().tcbInfo().appCompose()).orElseThrow(() -> new CommandLine.ParameterException(cl,
                        "the agent's app-compose (--agent-socket " + agentSocket + ") has no \"" + ClusterPin.FIELD
                                + "\" pin: this CVM is not a cluster member"));
            } catch (DstackException e) {
                err.println("dstack4j cluster images watch: cannot read the app-compose from --agent-socket " + agentSocket + ": " + e.getMessage());
                return 1;
            } catch (IllegalArgumentException e) {
                err.println("dstack4j cluster images watch: the agent's app-compose has a malformed \"" + ClusterPin.FIELD + "\" pin: " + e.getMessage());
                return 1;
            }
            ClusterContract c = new ClusterContract(pin.cluster().contract());
            if (contract != null && !ChainOptions.address(cl, "--contract", contract).equals(pin.cluster().contract())) {
                throw new CommandLine.ParameterException(cl, "--contract " + contract + " differs from the contract the app-compose pins ("
                        + pin.cluster().contract().toLowerHex() + "): drop --contract; the watcher follows the pinned one");
            }
            NodeChain chain;
            try {
                chain = NodeChain.open(pin, rpc, java.util.Optional.ofNullable(rpcQuorum), relaySocket, Duration.ofSeconds(rpcTimeout));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
            try (chain) {
                err.println("dstack4j images: event=chain source=" + ImageWatchLoop.quote(chain.describe()));
                err.flush();
                try {
                    chain.requireChain(pin.cluster().chainId(), w -> {
                        err.println("dstack4j images: event=warning message=" + ImageWatchLoop.quote(w));
                        err.flush();
                    });
                } catch (RpcException | IllegalArgumentException e) {
                    err.println("dstack4j cluster images watch: " + e.getMessage());
                    return 1;
                }
                return follow(c, chain, poll, maxBackoff, err);
            }
        }

        private Integer follow(ClusterContract c, NodeChain chain, Duration poll, Duration maxBackoff, PrintWriter err) throws Exception {
            String host = dockerHost != null ? dockerHost : environment.getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
            RelayClient relay = new RelayClient(relaySocket, Duration.ofSeconds(30));
            DockerEngine engine;
            try {
                engine = DockerEngine.connect(host, Duration.ofSeconds(engineTimeout), Duration.ofSeconds(engineTimeout));
            } catch (EngineException e) {
                relay.close();
                err.println("dstack4j cluster images watch: " + e.getMessage());
                return 1;
            }
            ImageFollower follower = new ImageFollower(new ImageWatcher(chain.source(), c, confirmations, digestFile), engine, newest -> {
                try {
                    relay.requestReboot("newer approved image sha256:" + newest);
                } catch (RelayException e) {
                    throw new java.io.IOException("reboot request: " + e.getMessage(), e);
                }
            }, Duration.ofSeconds(rebootReask), System::nanoTime);
            try {
                if (once) return once(follower, err);
                ImageWatchLoop loop = new ImageWatchLoop(follower, poll, maxBackoff, line -> {
                    synchronized (err) {
                        err.println("dstack4j images: " + line);
                        err.flush();
                    }
                });
                // SIGTERM: finish the round in progress (each call has its own deadline), then exit
                Duration grace = Duration.ofSeconds(rpcTimeout * 3L + engineTimeout + 30L + 5L);
                Thread hook = new Thread(() -> {
                    loop.stop();
                    try {
                        loop.awaitStopped(grace);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "dstack4j-images-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                err.println("dstack4j images: event=watching contract=" + c.address().toLowerHex() + " through_relay=" + chain.throughRelay()
                        + " quorum=" + chain.source().quorum() + " confirmations=" + confirmations + " digest_file=" + digestFile + " relay=" + relaySocket);
                err.flush();
                loop.run();
                return 0;
            } finally {
                engine.close();
                relay.close();
            }
        }

        private static Integer once(ImageFollower follower, PrintWriter err) {
            try {
                err.println("dstack4j images: " + ImageWatchLoop.roundLine(follower.round()));
                return 0;
            } catch (Exception e) {
                err.println("dstack4j images: event=error error=" + ImageWatchLoop.quote(String.valueOf(e.getMessage())));
                return 1;
            } finally {
                err.flush();
            }
        }

        private static Duration seconds(CommandLine cl, String option, double s) {
            if (!(s >= 0.01 && s <= 3600)) throw new CommandLine.ParameterException(cl, option + " must be 0.01..3600 seconds");
            return Duration.ofMillis(Math.round(s * 1000));
        }
    }
}
