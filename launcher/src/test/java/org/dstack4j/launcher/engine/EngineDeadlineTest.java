package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.RestartPolicy;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every {@link DockerEngine} call against a real unix socket server that accepts, reads the request
 * and never answers (nor closes): each call fails once its deadline passes, naming the call and the
 * deadline, and no call waits much longer than its deadline. (A real dockerd cannot be made to hang
 * on purpose, hence this server; the launch-level case with dockerd, registry and agent is
 * EngineFaultsTest in the e2e module.)
 */
class EngineDeadlineTest {
    private static final Duration DEADLINE = Duration.ofMillis(400);
    /** Generous: scheduling on a loaded 2-core machine, not the deadline, dominates above it. */
    private static final Duration SLACK = Duration.ofSeconds(5);

    private Path dir;
    private Path socket;
    private ServerSocketChannel listener;
    private Thread server;
    private final List<SocketChannel> held = new CopyOnWriteArrayList<>();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private DockerEngine engine;
    /** Answer the network inspect (the network exists), so the create itself is what gets no answer. */
    private volatile boolean answerNetworkInspect;
    private static final byte[] NETWORK_OK = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 61\r\n\r\n"
            + "{\"Name\":\"mpc-node_default\",\"Driver\":\"bridge\",\"Scope\":\"local\"}").getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void mute() throws Exception {
        dir = Files.createTempDirectory("d4j-deadline"); // short path: sun_path is 108 bytes
        socket = dir.resolve("docker.sock");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        server = Thread.ofVirtual().start(() -> {
            while (listener.isOpen()) {
                try {
                    SocketChannel ch = listener.accept();
                    held.add(ch);
                    ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
                    ch.read(buf);
                    String line = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1).split("\r\n")[0];
                    requestLines.add(line);
                    if (answerNetworkInspect && line.startsWith("GET /networks/")) ch.write(ByteBuffer.wrap(NETWORK_OK));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        engine = DockerEngine.connect("unix://" + socket, Duration.ofSeconds(2), DEADLINE, Duration.ofSeconds(30));
    }

    @AfterEach
    void close() throws Exception {
        engine.close();
        listener.close();
        for (SocketChannel ch : held) ch.close();
        server.join(5_000);
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    @FunctionalInterface
    interface Call {
        void run() throws EngineException;
    }

    private void assertTimesOut(String call, LaunchStep step, Call action) {
        long t0 = System.nanoTime();
        assertThatThrownBy(action::run).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.step()).isEqualTo(step);
            assertThat(e.getMessage()).contains(call + " failed: the engine at unix://" + socket
                    + " did not answer within 400 ms");
            assertThat(e.fix()).contains("healthy");
        });
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as(call).isGreaterThanOrEqualTo(DEADLINE).isLessThan(DEADLINE.plus(SLACK));
    }

    @Test
    void everyCallEndsAtItsDeadlineNamingTheCall() {
        assertTimesOut("ping the engine", LaunchStep.PULL, engine::ping);
        assertTimesOut("inspect image", LaunchStep.PULL, () -> engine.imageId("sha256:" + "a".repeat(64)));
        assertTimesOut("inspect image", LaunchStep.PULL, () -> engine.repoDigests("x/y@sha256:" + "a".repeat(64)));
        assertTimesOut("inspect container", LaunchStep.START, () -> engine.container("mpc-node"));
        assertTimesOut("remove container", LaunchStep.START, () -> engine.removeContainer("mpc-node"));
        assertTimesOut("start container", LaunchStep.START, () -> engine.start("mpc-node"));
        assertTimesOut("inspect network", LaunchStep.START, () -> engine.ensureNetwork("mpc-node_default"));
        assertThat(requestLines).contains("GET /_ping HTTP/1.1", "GET /containers/mpc-node/json HTTP/1.1",
                "DELETE /containers/mpc-node?force=true&v=false HTTP/1.1");
    }

    @Test
    void aSilentPullEndsAtTheCallDeadlineNotThePullDeadline() {
        ImageDigest digest = ImageDigest.of("manifest".getBytes(StandardCharsets.UTF_8));
        ValidatedImage image = new ValidatedImage(new ImageReference("127.0.0.1:5000", "mpc/node", List.of("latest")),
                "latest", digest, ImageDigest.of("config".getBytes(StandardCharsets.UTF_8)),
                "application/vnd.oci.image.manifest.v1+json");

        assertTimesOut("pull", LaunchStep.PULL, () -> engine.pull(image, Optional.empty(), line -> { }));
        assertThat(requestLines).anyMatch(l -> l.startsWith("POST /images/create?fromImage=127.0.0.1%3A5000%2Fmpc%2Fnode&tag=sha256%3A"));
    }

    @Test
    void aCreateThatGetsNoAnswerFailsWithoutLeakingTheEnvironment() throws Exception {
        String secret = "s3cr3t-value-that-must-not-leak";
        ContainerSpec spec = new ContainerSpec("mpc-node", "sha256:" + "b".repeat(64),
                List.of(new EnvVar("MPC_SECRET_STORE_KEY", secret, true)), List.of(), List.of(),
                List.of("no-new-privileges:true"), RestartPolicy.ON_FAILURE);
        answerNetworkInspect = true;
        // the network inspect must be answered within the deadline for the create to be what gets none: 400 ms is too
        // short for this test's server on a loaded machine, so this engine allows 3 s
        Duration deadline = Duration.ofSeconds(3);
        engine.close();
        engine = DockerEngine.connect("unix://" + socket, Duration.ofSeconds(2), deadline, Duration.ofSeconds(30));

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> engine.createAndStart(spec)).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.step()).isEqualTo(LaunchStep.START);
            assertThat(e.getMessage()).contains("create container failed: the engine at unix://" + socket
                    + " did not answer within 3 s").doesNotContain(secret);
            // the clean-up removal after an unanswered create is bounded too, and said so
            assertThat(e.getSuppressed()).singleElement().satisfies(s -> assertThat(s.getMessage())
                    .contains("could not remove the half-created container"));
        });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(deadline.multipliedBy(2).plus(SLACK));
        assertThat(requestLines).contains("POST /containers/create?name=mpc-node HTTP/1.1",
                "DELETE /containers/mpc-node?force=true&v=false HTTP/1.1");
    }
}
