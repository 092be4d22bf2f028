package org.dstack4j.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.Hex;

/**
 * Our guest agent ({@code dstack4j agent --simulator}) as a real process on a unix socket in a temp
 * dir, with its state in {@code <dir>/state}. {@link #startWithVerifierFiles()} also has it write
 * the DCAP collateral, the test root CA and the KMS root key into the dir.
 */
final class AgentProcess implements AutoCloseable {
    static final String COLLATERAL = "collateral.json";
    static final String TEST_ROOT = "test-root.pem";
    static final String KMS_ROOT = "kms-root.hex";
    /** The legacy Tappd socket {@link #startWithVerifierFiles()} also serves. */
    static final String TAPPD_SOCKET = "tappd.sock";

    final Path dir;
    final Path socket;
    private final List<String> extraArgs;
    private final Process process;

    private AgentProcess(Path dir, Path socket, List<String> extraArgs, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.extraArgs = extraArgs;
        this.process = process;
    }

    /** Starts an agent in a fresh temp dir. */
    static AgentProcess start(String... extraArgs) throws IOException, InterruptedException {
        return startIn(Files.createTempDirectory(Path.of("/tmp"), "d4ja-"), List.of(extraArgs));
    }

    /**
     * Starts an agent that writes {@link #COLLATERAL}, {@link #TEST_ROOT} and {@link #KMS_ROOT} into its dir
     * and also serves Tappd on {@link #TAPPD_SOCKET} there.
     */
    static AgentProcess startWithVerifierFiles() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "d4ja-");
        return startIn(dir, List.of("--write-collateral", dir.resolve(COLLATERAL).toString(),
                "--write-test-root", dir.resolve(TEST_ROOT).toString(),
                "--write-kms-root", dir.resolve(KMS_ROOT).toString(),
                "--tappd-socket", dir.resolve(TAPPD_SOCKET).toString()));
    }

    private static AgentProcess startIn(Path dir, List<String> extraArgs) throws IOException, InterruptedException {
        Path socket = dir.resolve("dstack.sock");
        Path log = dir.resolve("agent.log");
        List<String> args = new ArrayList<>(List.of("agent", "--simulator", "--socket", socket.toString(),
                "--state-dir", dir.resolve("state").toString()));
        args.addAll(extraArgs);
        Process p = Cli.start(log, args.toArray(String[]::new));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("agent did not start: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        AgentProcess agent = new AgentProcess(dir, socket, List.copyOf(extraArgs), p);
        try (DstackClient c = agent.client()) {
            while (!c.isReachable()) {
                if (System.nanoTime() > deadline) {
                    agent.close();
                    throw new IOException("agent socket does not answer: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
        return agent;
    }

    /**
     * Stops this agent (SIGTERM, as an orchestrator would) and starts a new process with the same
     * dir, state dir and options.
     */
    AgentProcess restart() throws IOException, InterruptedException {
        close();
        return startIn(dir, extraArgs);
    }

    DstackClient client() {
        return DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).timeout(Duration.ofSeconds(10)).build();
    }

    /** The simulated KMS root public key the agent wrote (needs {@link #startWithVerifierFiles()}), 33 bytes. */
    byte[] kmsRootPublicKey() throws IOException {
        return Hex.decode(Files.readString(dir.resolve(KMS_ROOT), StandardCharsets.UTF_8).trim());
    }

    /** What the agent printed so far (stdout and stderr). */
    String log() throws IOException {
        return Files.readString(dir.resolve("agent.log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
