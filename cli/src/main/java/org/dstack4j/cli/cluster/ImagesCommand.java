package org.dstack4j.cli.cluster;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.images.ImageDigestFile;
import org.dstack4j.images.ImageFollower;
import org.dstack4j.images.ImageWatchLoop;
import org.dstack4j.images.ImageWatcher;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.engine.DockerEngine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
                "Runs in the member CVM beside the launcher until SIGTERM. Each round reads the contract's",
                "approved images at head minus --confirmations and:",
                "  - rewrites --digest-file (the launcher's approved hashes, newest first; atomic, never",
                "    empty) when they changed;",
                "  - removes the launcher's container (mpc-node) at once when its image is revoked;",
                "  - asks the host relay for a reboot when a newer image is approved (once per newest",
                "    image; again every --reboot-reask while it still does not run): the launcher picks",
                "    an image only at boot. The host may ignore or fail the reboot; it cannot",
                "    make the launcher run an image the contract does not approve.",
                "Failed rounds (RPC, engine, relay) are retried with a doubling delay up to --max-backoff.",
                "Logs one key=value line per event on stderr (event=start|round|error|recovered|stop).",
                "Exit: 0 after SIGTERM (or --once succeeded), 1 when --once failed, 2 for bad options."})
    public static final class Watch implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ChainOptions chain;

        @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
        String contract;

        @Option(names = "--relay-socket", paramLabel = "PATH", required = true,
                description = "The host relay's unix socket (reboot requests go there).")
        Path relaySocket;

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
            Path dir = digestFile.toAbsolutePath().getParent();
            if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
                throw new CommandLine.ParameterException(cl, "--digest-file " + digestFile + ": its directory does not exist (mount /mnt/shared or give another file)");
            }
            ClusterContract c = new ClusterContract(ChainOptions.address(cl, "--contract", contract));
            String host = dockerHost != null ? dockerHost : environment.getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
            PrintWriter err = cl.getErr();
            JsonRpcClient rpc = chain.client();
            RelayClient relay = new RelayClient(relaySocket, Duration.ofSeconds(30));
            DockerEngine engine;
            try {
                engine = DockerEngine.connect(host, Duration.ofSeconds(engineTimeout), Duration.ofSeconds(engineTimeout));
            } catch (EngineException e) {
                relay.close();
                rpc.close();
                err.println("dstack4j cluster images watch: " + e.getMessage());
                return 1;
            }
            ImageFollower follower = new ImageFollower(new ImageWatcher(rpc, c, confirmations, digestFile), engine, newest -> {
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
                Duration grace = Duration.ofSeconds(chain.rpcTimeout * 3L + engineTimeout + 30L + 5L);
                Thread hook = new Thread(() -> {
                    loop.stop();
                    try {
                        loop.awaitStopped(grace);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "dstack4j-images-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                err.println("dstack4j images: event=watching contract=" + c.address().toLowerHex() + " rpc=" + rpc.endpoint()
                        + " confirmations=" + confirmations + " digest_file=" + digestFile + " relay=" + relaySocket);
                err.flush();
                loop.run();
                return 0;
            } finally {
                engine.close();
                relay.close();
                rpc.close();
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
