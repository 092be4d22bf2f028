package org.dstack4j.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 7: a socket client cannot hold the agent's descriptors or a request for ever, and the
 * legitimate client keeps being served. Small limits (16 connections, 2 s deadline) keep it quick.
 */
class ConnectionLimitsTest {
    private static final int CAP = 16;
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    private Path socket;
    private AgentServer server;
    private AgentClient client;
    private final List<SocketChannel> held = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("dstack.sock");
        server = AgentServer.start(new AgentServer.Config(socket, AgentServer.Config.DEFAULT_MODE,
                        Duration.ofSeconds(30), AgentServer.Config.DEFAULT_MAX_BODY_BYTES, CAP, DEADLINE),
                SimulatorApis.fresh("cap-seed"));
        client = new AgentClient(socket);
    }

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel ch : held) ch.close();
        client.close();
        server.close();
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.configureBlocking(false);
        held.add(ch);
        return ch;
    }

    /** True once the server closed the channel (read sees end of stream), polling up to {@code wait}. */
    private static boolean closedByServer(SocketChannel ch, Duration wait) throws Exception {
        long end = System.nanoTime() + wait.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        do {
            buf.clear();
            try {
                if (ch.read(buf) < 0) return true;
            } catch (IOException reset) {
                return true;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < end);
        return false;
    }

    @Test
    void idleConnectionsBeyondTheCapAreClosedAndTheClientIsStillServed() throws Exception {
        int idle = CAP * 4;
        for (int i = 0; i < idle; i++) connect();
        var reply = client.post("Version", "{}");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("version").asText()).isNotEmpty();
        int closed = 0;
        for (SocketChannel ch : held) {
            if (closedByServer(ch, Duration.ofMillis(closed < idle - CAP ? 1500 : 50))) closed++;
        }
        // the agent holds at most CAP connections: the client's one and at most CAP - 1 of the idle ones
        assertThat(closed).isGreaterThanOrEqualTo(idle - CAP + 1);
        assertThat(client.post("Version", "{}").status()).isEqualTo(200);
    }

    @Test
    void aConnectionThatNeverCompletesARequestIsClosedAtTheDeadline() throws Exception {
        // timed from before the connection exists: the agent's deadline starts when it accepts it, and a pause between the
        // connect and a later reading of the clock would make the deadline look early
        long started = System.nanoTime();
        SocketChannel trickle = connect();
        trickle.write(ByteBuffer.wrap("GET /Version HTTP/1.1\r\nHost: dstack\r\n".getBytes(StandardCharsets.US_ASCII)));
        boolean closed = false;
        // one header byte every 200 ms keeps the connection under the 30 s idle timeout
        while (!closed && System.nanoTime() - started < DEADLINE.multipliedBy(4).toNanos()) {
            try {
                trickle.write(ByteBuffer.wrap("X".getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                closed = true;
                break;
            }
            closed = closedByServer(trickle, Duration.ofMillis(200));
        }
        assertThat(closed).as("closed by the first-request deadline").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(DEADLINE.minusMillis(300));
        assertThat(client.post("Version", "{}").status()).isEqualTo(200);
    }

    @Test
    void aTrickledBodyIsAnsweredWith408AtTheDeadline() throws Exception {
        SocketChannel slow = connect();
        slow.write(ByteBuffer.wrap(("POST /Version HTTP/1.1\r\nHost: dstack\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII)));
        StringBuilder answer = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        long started = System.nanoTime();
        while (!answer.toString().contains("\r\n\r\n{") && System.nanoTime() - started < DEADLINE.multipliedBy(4).toNanos()) {
            try {
                slow.write(ByteBuffer.wrap(" ".getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException closedAfterAnswer) {
                // the agent may close right after answering
            }
            Thread.sleep(200);
            buf.clear();
            int n;
            try {
                n = slow.read(buf);
            } catch (IOException e) {
                break;
            }
            if (n > 0) answer.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
            if (n < 0) break;
        }
        assertThat(answer.toString()).startsWith("HTTP/1.1 408").contains("\"error\":\"request body not received within 2 s\"");
        assertThat(client.post("Version", "{}").status()).isEqualTo(200);
    }
}
