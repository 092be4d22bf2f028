package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DockerEngine} against misbehaving engines on a real unix socket: one that never accepts (its
 * backlog full, so connecting blocks) and one that answers a negative {@code Content-Length}. A real
 * dockerd cannot be made to do either, hence these servers.
 */
class EngineConnectionTest {
    private Path dir;
    private Path socket;
    private ServerSocketChannel listener;
    private final List<SocketChannel> held = new ArrayList<>();

    @BeforeEach
    void bind() throws IOException {
        dir = Files.createTempDirectory("d4j-conn"); // short path: sun_path is 108 bytes
        socket = dir.resolve("docker.sock");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket), 1);
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
        for (SocketChannel ch : held) ch.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    private static ValidatedImage image() {
        return new ValidatedImage(new ImageReference("127.0.0.1:5000", "mpc/node", List.of("latest")), "latest",
                ImageDigest.of("manifest".getBytes(StandardCharsets.UTF_8)),
                ImageDigest.of("config".getBytes(StandardCharsets.UTF_8)), "application/vnd.oci.image.manifest.v1+json");
    }

    @Test
    void aConnectTimeoutDuringAPullIsReportedAsSuchNotAsThePullDeadline() throws Exception {
        // never accepted: fill the backlog until the kernel refuses a non-blocking connect, so the next
        // (blocking) connect waits
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            held.add(ch);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (SocketException full) {
                break;
            }
        }
        try (DockerEngine engine = DockerEngine.connect("unix://" + socket, Duration.ofMillis(300), Duration.ofSeconds(30),
                Duration.ofMinutes(30))) {
            assertThatThrownBy(() -> engine.pull(image(), Optional.empty(), line -> { }))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                        assertThat(e.getMessage()).contains("pull failed: could not connect to the engine at unix://" + socket
                                + " within 300 ms (connect timeout)").doesNotContain("did not finish within");
                        assertThat(e.fix()).contains("accepting connections");
                    });
        }
    }

    @Test
    void aNegativeContentLengthFromTheEngineIsRefused() throws Exception {
        // answers at once, then keeps the connection open: reading "to the end" would wait for the deadline
        Thread server = Thread.ofVirtual().start(() -> {
            try {
                SocketChannel ch = listener.accept();
                synchronized (held) {
                    held.add(ch);
                }
                ch.read(ByteBuffer.allocate(16 * 1024));
                ch.write(ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: -1\r\n\r\nOK"
                        .getBytes(StandardCharsets.ISO_8859_1)));
            } catch (IOException closed) {
                // the test failed or ended
            }
        });
        try (DockerEngine engine = DockerEngine.connect("unix://" + socket, Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofMinutes(30))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(engine::ping).isInstanceOfSatisfying(EngineException.class, e ->
                    assertThat(e.getMessage()).contains("ping the engine failed").contains("bad Content-Length: -1"));
            // refused on reading the head, not when the 30 s call deadline closed the connection
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        }
        server.join(5_000);
    }
}
