package org.dstack4j.sdk.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the JDK's HTTP server on loopback: a whole answer, one over the cap, one that trickles past the deadline. */
class BoundedExchangeTest {
    private HttpServer server;
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok", ex -> {
            byte[] b = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(201, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        server.createContext("/big", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
            try (OutputStream out = ex.getResponseBody()) {
                out.write(new byte[4096]);
            }
        });
        server.createContext("/trickle", ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 300; i++) { // 30 s, unless the client goes away first
                    out.write('x');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (Exception gone) {
                // the client gave up
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        http.shutdownNow();
        server.stop(0);
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path)).build();
    }

    @Test
    void aWholeAnswerWithinTheCap() {
        assertThat(BoundedExchange.send(http, get("/ok"), Duration.ofSeconds(5), 7)).isInstanceOfSatisfying(
                BoundedExchange.Outcome.Answer.class, a -> {
                    assertThat(a.status()).isEqualTo(201);
                    assertThat(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
                });
        assertThat(BoundedExchange.send(http, get("/ok"), Duration.ofSeconds(5), 6)).isEqualTo(new BoundedExchange.Outcome.TooLarge(6));
    }

    @Test
    void aBodyOverTheCapIsNotKept() {
        assertThat(BoundedExchange.send(http, get("/big"), Duration.ofSeconds(5), 1000)).isEqualTo(new BoundedExchange.Outcome.TooLarge(1000));
    }

    @Test
    void aTricklingBodyEndsAtTheDeadline() {
        assertThat(BoundedExchange.send(http, get("/trickle"), Duration.ofMillis(500), 1 << 20))
                .isEqualTo(new BoundedExchange.Outcome.TimedOut(Duration.ofMillis(500)));
    }

    @Test
    void timedOutTricklingReadsHoldNoThreadAnHonestExchangeNeeds() {
        // before: each timed-out read kept a common-pool thread (parallelism 1 on 2 cores) for the trickle's 30 s, so the
        // honest exchange's 10 s (room for a loaded machine) would run out
        int n = java.util.concurrent.ForkJoinPool.commonPool().getParallelism() + 2;
        for (int i = 0; i < n; i++) {
            assertThat(BoundedExchange.send(http, get("/trickle"), Duration.ofMillis(200), 1 << 20))
                    .isInstanceOf(BoundedExchange.Outcome.TimedOut.class);
        }
        assertThat(BoundedExchange.send(http, get("/ok"), Duration.ofSeconds(10), 100)).isInstanceOf(BoundedExchange.Outcome.Answer.class);
    }

    @Test
    void anUnreachableServerIsAFailureNamingTheExceptionClass() {
        int port = server.getAddress().getPort();
        server.stop(0);
        assertThat(BoundedExchange.send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ok")).build(),
                Duration.ofSeconds(5), 10)).isEqualTo(new BoundedExchange.Outcome.Failed("ConnectException"));
    }
}
