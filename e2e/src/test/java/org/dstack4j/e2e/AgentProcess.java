package org.dstack4j.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;

/** Our guest agent ({@code dstack4j agent --simulator}) as a real process on a unix socket in a temp dir. */
final class AgentProcess implements AutoCloseable {
    final Path dir;
    final Path socket;
    private final Process process;

    private AgentProcess(Path dir, Path socket, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.process = process;
    }

    static AgentProcess start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "d4ja-");
        Path socket = dir.resolve("dstack.sock");
        Path log = dir.resolve("agent.log");
        Process p = Cli.start(log, "agent", "--simulator", "--socket", socket.toString(),
                "--state-dir", dir.resolve("state").toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("agent did not start: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        AgentProcess agent = new AgentProcess(dir, socket, p);
        try (DstackClient c = agent.client()) {
            while (!c.isReachable()) {
                if (System.nanoTime() > deadline) throw new IOException("agent socket does not answer: " + Files.readString(log));
                Thread.sleep(50);
            }
        }
        return agent;
    }

    DstackClient client() {
        return DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).timeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
