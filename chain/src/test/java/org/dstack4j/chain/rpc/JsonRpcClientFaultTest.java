package org.dstack4j.chain.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile or broken endpoints: real loopback servers (JDK HttpServer, a raw socket) that answer late,
 * too much, or wrong. Each failure must be the matching {@link RpcError}, with the endpoint redacted.
 */
class JsonRpcClientFaultTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A server whose answer is {@code body(requestJson)} with HTTP {@code status}. */
    private URI server(int status, Function<String, byte[]> body) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            String req = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] b = body.apply(req);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        s.start();
        open.add(() -> s.stop(0));
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/v3/SECRET-API-KEY?key=SECRET2");
    }

    private static String id(String req) {
        return req.replaceAll(".*\"id\":(\\d+).*", "$1");
    }

    private static RpcError errorOf(JsonRpcClient c) {
        try {
            c.blockNumber();
        } catch (RpcException e) {
            assertThat(e.getMessage()).doesNotContain("SECRET");
            return e.error();
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void aWellFormedAnswerIsRead() throws Exception {
        URI u = server(200, req -> ("{\"jsonrpc\":\"2.0\",\"id\":" + id(req) + ",\"result\":\"0x2a\"}").getBytes());
        JsonRpcClient c = new JsonRpcClient(u, Duration.ofSeconds(5), 1024);
        assertThat(c.blockNumber()).isEqualTo(42);
        assertThat(c.endpoint()).doesNotContain("SECRET").startsWith("http://127.0.0.1:");
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        open.add(ss);
        AtomicReference<Socket> held = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                held.set(ss.accept()); // accept, read nothing, answer nothing
            } catch (Exception ignored) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        JsonRpcClient c = new JsonRpcClient(URI.create("http://127.0.0.1:" + ss.getLocalPort()), Duration.ofMillis(300), 1024);
        long t0 = System.nanoTime();
        assertThat(errorOf(c)).isInstanceOf(RpcError.Timeout.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        if (held.get() != null) {
            held.get().close();
        }
    }

    @Test
    void aTricklingBodyIsCutAtTheDeadline() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                for (int i = 0; i < 100; i++) {
                    o.write(' ');
                    o.flush();
                    Thread.sleep(100);
                }
            } catch (Exception ignored) {
                // client went away
            }
        });
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        s.start();
        open.add(() -> s.stop(0));
        JsonRpcClient c = new JsonRpcClient(URI.create("http://127.0.0.1:" + s.getAddress().getPort()), Duration.ofMillis(500), 1 << 20);
        assertThat(errorOf(c)).isInstanceOf(RpcError.Timeout.class);
    }

    @Test
    void anOversizedAnswerIsRefused() throws Exception {
        URI u = server(200, req -> ("{\"jsonrpc\":\"2.0\",\"id\":" + id(req) + ",\"result\":\"0x" + "0".repeat(5000) + "1\"}").getBytes());
        assertThat(errorOf(new JsonRpcClient(u, Duration.ofSeconds(5), 4096)))
                .isEqualTo(new RpcError.TooLarge(new JsonRpcClient(u).endpoint(), "eth_blockNumber", 4096));
    }

    @Test
    void wrongIdsBadJsonAndBadFieldsAreMalformed() throws Exception {
        assertThat(errorOf(new JsonRpcClient(server(200, req -> "{\"jsonrpc\":\"2.0\",\"id\":999999,\"result\":\"0x1\"}".getBytes()))))
                .isInstanceOfSatisfying(RpcError.Malformed.class, m -> assertThat(m.reason()).contains("id"));
        assertThat(errorOf(new JsonRpcClient(server(200, req -> "not json".getBytes()))))
                .isInstanceOf(RpcError.Malformed.class);
        assertThat(errorOf(new JsonRpcClient(server(200, req -> ("{\"jsonrpc\":\"2.0\",\"id\":" + id(req) + ",\"result\":42}").getBytes()))))
                .isInstanceOfSatisfying(RpcError.Malformed.class, m -> assertThat(m.reason()).contains("quantity"));
        assertThat(errorOf(new JsonRpcClient(server(200, req -> ("{\"jsonrpc\":\"2.0\",\"id\":" + id(req) + "}").getBytes()))))
                .isInstanceOf(RpcError.Malformed.class);
    }

    @Test
    void httpErrorsAndRemoteErrorsAreTyped() throws Exception {
        assertThat(errorOf(new JsonRpcClient(server(429, req -> "slow down".getBytes()))))
                .isInstanceOfSatisfying(RpcError.HttpStatus.class, h -> assertThat(h.status()).isEqualTo(429));
        RpcError e = errorOf(new JsonRpcClient(server(200, req -> ("{\"jsonrpc\":\"2.0\",\"id\":" + id(req)
                + ",\"error\":{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x1234abcd\"}}").getBytes())));
        assertThat(e).isInstanceOfSatisfying(RpcError.Remote.class, r -> {
            assertThat(r.code()).isEqualTo(3);
            assertThat(r.revertData()).hasValueSatisfying(d -> assertThat(d).containsExactly(0x12, 0x34, 0xab, 0xcd));
        });
    }

    @Test
    void aClosedPortIsATransportError() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        assertThat(errorOf(new JsonRpcClient(URI.create("http://127.0.0.1:" + port + "/SECRET"), Duration.ofSeconds(2), 1024)))
                .isInstanceOf(RpcError.Transport.class);
    }

    @Test
    void onlyHttpEndpointsAreAccepted() {
        assertThatThrownBy(() -> new JsonRpcClient(URI.create("file:///etc/passwd"))).hasMessageContaining("http://");
        assertThatThrownBy(() -> new JsonRpcClient(URI.create("http://127.0.0.1:1"), Duration.ZERO, 1)).hasMessageContaining("positive");
    }
}
