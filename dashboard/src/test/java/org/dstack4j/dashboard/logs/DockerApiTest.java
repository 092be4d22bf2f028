package org.dstack4j.dashboard.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine client against a scripted engine on a unix socket (a test double: the e2e test speaks to a real
 * dockerd; here the engine misbehaves on purpose): frames are split by channel, and an oversized, truncated or
 * unknown frame, or a silent engine, ends the stream with {@link DockerApi.StreamFailed}, never a crash.
 */
class DockerApiTest {
    static Server server;
    static Path socket;
    static final AtomicReference<byte[]> LOGS = new AtomicReference<>(new byte[0]);
    static volatile boolean hang;
    static volatile boolean quietAfterOneFrame;
    /** What a hanging or quiet engine waits for: released when the test has seen the client give up. */
    static volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(0);
    /** Longer than any bound a slow machine needs, far longer than the silence bound under test. */
    static final Duration PATIENT = Duration.ofSeconds(30);

    @BeforeAll
    static void start() throws Exception {
        socket = Files.createTempDirectory(Path.of("/tmp"), "d4jdash-").resolve("engine.sock");
        server = new Server();
        UnixDomainServerConnector c = new UnixDomainServerConnector(server);
        c.setUnixDomainPath(socket);
        server.addConnector(c);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = request.getHttpURI().getPath();
                byte[] body;
                if (path.equals("/containers/json")) {
                    body = "[{\"Names\":[\"/mpc-node\"],\"Image\":\"img\",\"State\":\"running\",\"Status\":\"Up 1 second\"}]".getBytes(StandardCharsets.UTF_8);
                } else if (path.equals("/containers/node/json") || path.equals("/containers/tty/json")) {
                    body = ("{\"Config\":{\"Tty\":" + path.contains("tty") + "}}").getBytes(StandardCharsets.UTF_8);
                } else if (path.endsWith("/logs")) {
                    if (hang) held.await(PATIENT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                    if (quietAfterOneFrame) {
                        // headers and one frame, then silence: the stream's own silence bound must end it
                        byte[] one = "one\n".getBytes(StandardCharsets.UTF_8);
                        java.io.OutputStream out = org.eclipse.jetty.io.Content.Sink.asOutputStream(response);
                        out.write(frame(1, one, one.length));
                        out.flush();
                        held.await(PATIENT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                        out.close();
                        callback.succeeded();
                        return true;
                    }
                    body = LOGS.get();
                } else {
                    response.setStatus(404);
                    body = "{\"message\":\"No such container\"}".getBytes(StandardCharsets.UTF_8);
                }
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(socket.getParent());
    }

    static byte[] frame(int type, byte[] payload, int claimedSize) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.put((byte) type).put(new byte[3]).putInt(claimedSize).put(payload);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static List<String> read(String name, boolean tty, Duration silence) throws Exception {
        return read(name, tty, Duration.ofSeconds(5), silence);
    }

    static List<String> read(String name, boolean tty, Duration callTimeout, Duration silence) throws Exception {
        List<String> got = new ArrayList<>();
        try (DockerApi api = new DockerApi(socket, callTimeout, silence)) {
            api.logs(LogQuery.parse(name, Map.of(), Instant.EPOCH), tty,
                    (channel, message) -> got.add(channel + ":" + new String(message, StandardCharsets.UTF_8)));
        }
        return got;
    }

    @Test
    void listsContainersAndTellsUnknownOnesApart() throws Exception {
        try (DockerApi api = new DockerApi(socket, Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            assertThat(api.containers()).containsExactly(new DockerApi.Container("mpc-node", "img", "running", "Up 1 second"));
            assertThat(api.tty("node")).hasValue(false);
            assertThat(api.tty("tty")).hasValue(true);
            assertThat(api.tty("missing")).isEmpty();
        }
    }

    @Test
    void framesAreSplitByChannel() throws Exception {
        byte[] a = "out line\n".getBytes(StandardCharsets.UTF_8);
        byte[] b = "err line\n".getBytes(StandardCharsets.UTF_8);
        LOGS.set(concat(frame(1, a, a.length), frame(2, b, b.length)));
        assertThat(read("node", false, Duration.ofSeconds(5))).containsExactly("stdout:out line\n", "stderr:err line\n");
        LOGS.set("raw terminal bytes".getBytes(StandardCharsets.UTF_8));
        assertThat(read("tty", true, Duration.ofSeconds(5))).containsExactly("console:raw terminal bytes");
    }

    @Test
    void hostileFramesEndTheStreamWithAReason() throws Exception {
        byte[] ok = "fine\n".getBytes(StandardCharsets.UTF_8);
        LOGS.set(concat(frame(1, ok, ok.length), frame(1, new byte[0], DockerApi.MAX_FRAME_BYTES + 1)));
        assertThatThrownBy(() -> read("node", false, Duration.ofSeconds(5))).isInstanceOf(DockerApi.StreamFailed.class)
                .hasMessage("one log message is longer than 1048576 bytes");
        LOGS.set(frame(7, ok, ok.length));
        assertThatThrownBy(() -> read("node", false, Duration.ofSeconds(5))).isInstanceOf(DockerApi.StreamFailed.class)
                .hasMessageContaining("unknown stream type 7");
        LOGS.set(frame(1, ok, 100));
        assertThatThrownBy(() -> read("node", false, Duration.ofSeconds(5))).isInstanceOf(DockerApi.StreamFailed.class)
                .hasMessage("the engine's log stream ended inside a message");
        byte[] daemonError = "Error grabbing logs: log driver\u001b[8m failed\n".getBytes(StandardCharsets.UTF_8);
        LOGS.set(concat(frame(1, ok, ok.length), frame(3, daemonError, daemonError.length)));
        assertThatThrownBy(() -> read("node", false, Duration.ofSeconds(5))).isInstanceOf(DockerApi.StreamFailed.class)
                .hasMessageStartingWith("the engine reported an error: Error grabbing logs: log driver")
                .hasMessageNotContaining("\u001b");
        LOGS.set(new byte[] {1, 0, 0});
        assertThatThrownBy(() -> read("node", false, Duration.ofSeconds(5))).isInstanceOf(DockerApi.StreamFailed.class)
                .hasMessage("the engine's log stream ended inside a frame header");
    }

    @Test
    void aStreamThatFallsSilentAfterItsHeadersIsCutOffAtTheSilenceBound() throws Exception {
        held = new java.util.concurrent.CountDownLatch(1);
        quietAfterOneFrame = true;
        try {
            long t0 = System.nanoTime();
            // the engine stays quiet for PATIENT and the call timeout is as long: only the 500 ms silence bound ends it
            // in well under half of that, whatever the machine's load
            assertThatThrownBy(() -> read("node", false, PATIENT, Duration.ofMillis(500))).isInstanceOf(DockerApi.StreamFailed.class)
                    .hasMessageStartingWith("the engine's log stream broke");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(PATIENT.dividedBy(2));
        } finally {
            quietAfterOneFrame = false;
            held.countDown();
        }
    }

    @Test
    void aSilentEngineIsCutOffAtTheSilenceBound() throws Exception {
        held = new java.util.concurrent.CountDownLatch(1);
        hang = true;
        try {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> read("node", false, PATIENT, Duration.ofMillis(500))).isInstanceOf(DockerApi.StreamFailed.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(PATIENT.dividedBy(2));
        } finally {
            hang = false;
            held.countDown();
        }
    }

    @Test
    void aTtyReadEndingInsideACharacterOrAnEscapeKeepsThatTailForTheNextRead() {
        byte[] euro = "ab\u20ac".getBytes(StandardCharsets.UTF_8); // a, b, then 3 bytes
        assertThat(DockerApi.completeLength(euro, euro.length)).isEqualTo(euro.length);
        assertThat(DockerApi.completeLength(euro, euro.length - 1)).isEqualTo(2);
        assertThat(DockerApi.completeLength(euro, euro.length - 2)).isEqualTo(2);
        byte[] csi = "x\u001b[31mred".getBytes(StandardCharsets.UTF_8);
        assertThat(DockerApi.completeLength(csi, csi.length)).isEqualTo(csi.length);
        assertThat(DockerApi.completeLength(csi, 4)).isEqualTo(1); // "x ESC [ 3": the escape waits for its final byte
        assertThat(DockerApi.completeLength(csi, 2)).isEqualTo(1); // a lone ESC
        byte[] osc = "t\u001b]0;title\u0007after".getBytes(StandardCharsets.UTF_8);
        assertThat(DockerApi.completeLength(osc, 8)).isEqualTo(1);
        assertThat(DockerApi.completeLength(osc, osc.length)).isEqualTo(osc.length);
        // an endless escape is not held past MAX_HELD bytes
        byte[] endless = new byte[200];
        java.util.Arrays.fill(endless, (byte) '1');
        endless[10] = 0x1B;
        endless[11] = '[';
        assertThat(DockerApi.completeLength(endless, 200)).isEqualTo(200);
        endless[150] = 0x1B;
        endless[151] = '[';
        assertThat(DockerApi.completeLength(endless, 200)).isEqualTo(150);
    }
}
