package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The site's forwarding to the app (real JDK servers on loopback) and the in-flight cap. */
class AppProxyTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void forwardsMethodPathQueryBodyAndHeadersAndCapsTheBody() throws Exception {
        HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        app.createContext("/", ex -> {
            try (ex) {
                byte[] in = ex.getRequestBody().readAllBytes();
                String echo = ex.getRequestMethod() + " " + ex.getRequestURI() + " " + new String(in, StandardCharsets.UTF_8) + " proto="
                        + ex.getRequestHeaders().getFirst("X-Forwarded-Proto") + " x=" + ex.getRequestHeaders().getFirst("X-Test");
                byte[] out = echo.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("X-App", "yes");
                ex.sendResponseHeaders(201, out.length);
                ex.getResponseBody().write(out);
            }
        });
        app.start();
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        site.createContext("/", AppProxy.to(URI.create("http://127.0.0.1:" + app.getAddress().getPort()), Duration.ofSeconds(5), 16));
        site.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        site.start();
        try {
            String base = "http://127.0.0.1:" + site.getAddress().getPort();
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/a/b?c=d")).header("X-Test", "1")
                    .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(r.body()).isEqualTo("POST /a/b?c=d hello proto=https x=1");
            assertThat(r.headers().firstValue("X-App")).hasValue("yes");
            HttpResponse<String> big = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(17))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(big.statusCode()).isEqualTo(413);
            app.stop(0);
            HttpResponse<String> down = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(down.statusCode()).isEqualTo(502);
            assertThat(down.body()).isEqualTo("the app is not reachable\n");
        } finally {
            site.stop(0);
            app.stop(0);
        }
    }

    @Test
    void anExchangeBeyondTheInFlightCapIsAnswered503AtOnce() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        s.createContext("/", ex -> {
            try (ex) {
                entered.countDown();
                release.await(10, TimeUnit.SECONDS);
                ex.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).getFilters().add(HttpCaps.inFlight(1));
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        try {
            URI u = URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/");
            var first = CLIENT.sendAsync(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(CLIENT.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(503);
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(CLIENT.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        } finally {
            s.stop(0);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"http://10.0.2.2:8080", "http://host.example:80", "http://192.168.1.1",
            "http://2130706433:80", "http://[2001:db8::1]:80", "http://app.:80"})
    void anUpstreamThatCouldBeTheHostsIsRefused(String url) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppProxy.to(URI.create(url), Duration.ofSeconds(1), 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("could be outside the CVM");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"http://127.0.0.1:8080", "http://localhost:80", "http://[::1]:80", "http://app:8080",
            "http://mpc-node:3000/prefix"})
    void anUpstreamInsideTheCvmIsAccepted(String url) {
        assertThat(AppProxy.to(URI.create(url), Duration.ofSeconds(1), 16)).isNotNull();
    }
}
