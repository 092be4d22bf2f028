package org.dstack4j.agent.keys.cluster;

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
import java.util.concurrent.atomic.AtomicInteger;
import org.dstack4j.agent.keys.KeysUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Back-off against a cluster node that holds no secret yet: a small HTTP server on a real unix socket that answers
 * every request 503 as {@code cluster node --app-socket} does then (the real node needs a chain and a cluster,
 * covered by the cluster module's tests).
 */
class ClusterKeySourceTest {
    private Path dir;
    private Path socket;
    private ServerSocketChannel listener;
    private Thread server;
    private final AtomicInteger asked = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("d4j-ck"); // short path: sun_path is 108 bytes
        socket = dir.resolve("app.sock");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        server = Thread.ofVirtual().start(() -> {
            while (listener.isOpen()) {
                try (SocketChannel ch = listener.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(16 * 1024);
                    while (!new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1).contains("app_id")) {
                        if (ch.read(in) < 0) break;
                    }
                    asked.incrementAndGet();
                    byte[] body = "{\"error\":\"the node holds no cluster secret yet\"}".getBytes(StandardCharsets.UTF_8);
                    ch.write(ByteBuffer.wrap(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
                    ch.write(ByteBuffer.wrap(body));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        listener.close();
        server.join(5_000);
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    @Test
    void afterARefusalTheNodeIsNotAskedAgainUntilTheBackOffPasses() throws Exception {
        try (ClusterKeySource keys = new ClusterKeySource(socket, new byte[20], Duration.ofSeconds(5), Duration.ofHours(1))) {
            assertThatThrownBy(keys::keys).isInstanceOf(KeysUnavailableException.class)
                    .hasMessage("cluster keys unavailable: the cluster node says the node holds no cluster secret yet");
            assertThatThrownBy(keys::keys).isInstanceOf(KeysUnavailableException.class)
                    .hasMessageStartingWith("cluster keys unavailable: the cluster node says the node holds no cluster secret yet (asked again in ");
            assertThat(asked.get()).isEqualTo(1);
        }
    }

    @Test
    void onceTheBackOffPassedTheNodeIsAskedAgain() throws Exception {
        try (ClusterKeySource keys = new ClusterKeySource(socket, new byte[20], Duration.ofSeconds(5), Duration.ZERO)) {
            assertThatThrownBy(keys::keys).isInstanceOf(KeysUnavailableException.class);
            assertThatThrownBy(keys::keys).isInstanceOf(KeysUnavailableException.class).hasMessageNotContaining("asked again");
            assertThat(asked.get()).isEqualTo(2);
        }
    }
}
