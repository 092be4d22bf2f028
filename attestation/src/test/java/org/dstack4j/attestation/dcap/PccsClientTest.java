package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link PccsClient} against a local HTTP server that answers like a PCCS, with the real fixture collateral. */
class PccsClientTest {
    /**
     * How long the slow server stalls. The client (300 ms deadline) must give up well before: far above 300 ms, so a
     * loaded CI machine's pauses cannot make the client look as if it had waited for the server.
     */
    private static final Duration SERVER_STALL = Duration.ofSeconds(30);
    /** Ends a stall once the test is done (the server's stop waits for a stalled exchange). */
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private HttpServer server;
    private URI base;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** path → override handler, to simulate failures */
    private final Map<String, Handler> overrides = new ConcurrentHashMap<>();
    private Fixtures.Fixture fixture;
    private Collateral expected;

    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        fixture = Fixtures.all().getLast();
        expected = fixture.collateral();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private static String urlEncoded(String pem) {
        return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(ex.getRequestURI().toString());
        Handler override = overrides.get(path);
        if (override != null) {
            override.handle(ex);
            return;
        }
        answer(ex, path);
    }

    private void answer(HttpExchange ex, String path) throws IOException {
        HexFormat hex = HexFormat.of();
        switch (path) {
            case "/sgx/certification/v4/pckcrl" -> {
                ex.getResponseHeaders().add("SGX-PCK-CRL-Issuer-Chain", urlEncoded(expected.pckCrlIssuerChain()));
                send(ex, 200, expected.pckCrl());
            }
            case "/tdx/certification/v4/tcb" -> {
                ex.getResponseHeaders().add("TCB-Info-Issuer-Chain", urlEncoded(expected.tcbInfoIssuerChain()));
                send(ex, 200, ("{\"tcbInfo\":" + expected.tcbInfo() + ",\"signature\":\"" + hex.formatHex(expected.tcbInfoSignature()) + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            case "/tdx/certification/v4/qe/identity" -> {
                ex.getResponseHeaders().add("SGX-Enclave-Identity-Issuer-Chain", urlEncoded(expected.qeIdentityIssuerChain()));
                send(ex, 200, ("{\"enclaveIdentity\":" + expected.qeIdentity() + ",\"signature\":\""
                        + hex.formatHex(expected.qeIdentitySignature()) + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            case "/sgx/certification/v4/rootcacrl" -> send(ex, 200, hex.formatHex(expected.rootCaCrl()).getBytes(StandardCharsets.US_ASCII));
            default -> send(ex, 404, new byte[0]);
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
        ex.close();
    }

    private PccsClient client() {
        return new PccsClient(base, Duration.ofSeconds(5), PccsClient.DEFAULT_MAX_BODY_BYTES, Optional.empty());
    }

    @Test
    void fetchesTheCollateralOfAQuoteAndItVerifies() throws Exception {
        Collateral c = client().fetch(fixture.quote());

        assertThat(requests).containsExactly(
                "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
                "/tdx/certification/v4/tcb?fmspc=B0C06F000000",
                "/tdx/certification/v4/qe/identity?update=standard",
                "/sgx/certification/v4/rootcacrl");
        assertThat(c.tcbInfo()).isEqualTo(expected.tcbInfo());
        assertThat(c.qeIdentity()).isEqualTo(expected.qeIdentity());
        assertThat(c.pckCrl()).isEqualTo(expected.pckCrl());
        assertThat(c.rootCaCrl()).isEqualTo(expected.rootCaCrl());
        assertThat(c.tcbInfoIssuerChain()).isEqualTo(expected.tcbInfoIssuerChain());
        assertThat(c.pckCrlIssuerChain()).isEqualTo(expected.pckCrlIssuerChain());
        assertThat(c.pckCertificateChain()).get().asString().startsWith("-----BEGIN CERTIFICATE-----");

        DcapVerification v = DcapVerifier.intel().verify(fixture.quote(), c, fixture.verifyAt(), false);
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("UpToDate");
    }

    @Test
    void keepsTheSignedBytesExactlyEvenWhenTheyAreNotCanonicalJson() throws Exception {
        // whitespace and key order inside tcbInfo are part of what Intel signed: re-serializing would break it
        String odd = "{ \"b\" : 1,\n  \"a\":[1, 2] }";
        overrides.put("/tdx/certification/v4/tcb", ex -> {
            ex.getResponseHeaders().add("TCB-Info-Issuer-Chain", urlEncoded(expected.tcbInfoIssuerChain()));
            send(ex, 200, ("{\"signature\":\"" + "ab".repeat(64) + "\", \"tcbInfo\":" + odd + " }").getBytes(StandardCharsets.UTF_8));
        });
        Collateral c = client().fetch("B0C06F000000", "processor");
        assertThat(c.tcbInfo()).isEqualTo(odd);
        assertThat(c.tcbInfoSignature()).hasSize(64).containsOnly((byte) 0xab);
        assertThat(requests.getFirst()).isEqualTo("/sgx/certification/v4/pckcrl?ca=processor&encoding=der");
    }

    @Test
    void baseUrlMayIncludeTheApiPath() throws Exception {
        PccsClient c = new PccsClient(URI.create(base + "/sgx/certification/v4/"), Duration.ofSeconds(5), 1 << 20, Optional.empty());
        assertThat(c.fetch(fixture.quote()).tcbInfo()).isEqualTo(expected.tcbInfo());
        assertThat(requests.getFirst()).startsWith("/sgx/certification/v4/pckcrl");
    }

    @Test
    void atOriginNamesOnlySchemeHostAndPort() {
        // an operator URL with user info and a token in its path: the full message keeps the path (CLI diagnostics),
        // atOrigin (what the public dashboard shows) only scheme://host:port
        URI secretBase = URI.create("http://op:hunter2@127.0.0.1:" + server.getAddress().getPort() + "/tok-hunter3");
        PccsClient c = new PccsClient(secretBase, Duration.ofSeconds(5), 1 << 20, Optional.empty());
        assertThatThrownBy(() -> c.fetch(fixture.quote())).isInstanceOfSatisfying(PccsException.class, e -> {
            assertThat(e.getMessage()).contains("/tok-hunter3/sgx/certification/v4/pckcrl");
            assertThat(e.atOrigin()).isEqualTo("http://127.0.0.1:" + server.getAddress().getPort() + ": HTTP 404")
                    .doesNotContain("hunter2", "hunter3");
        });
        assertThat(PccsException.origin("https://u:p@PCCS.example/x?key=1")).isEqualTo("https://PCCS.example:443");
        assertThat(PccsException.origin("not a url")).isEqualTo("(unparsable URL)");
        assertThat(PccsException.at("http://u:p@h:1/%zz", "bad").atOrigin()).isEqualTo("(unparsable URL): bad");
    }

    @Test
    void httpErrorsNameTheUrl() {
        overrides.put("/tdx/certification/v4/tcb", ex -> send(ex, 404, new byte[0]));
        assertThatThrownBy(() -> client().fetch(fixture.quote())).isInstanceOf(PccsException.class)
                .hasMessageContaining("/tdx/certification/v4/tcb?fmspc=B0C06F000000").hasMessageContaining("HTTP 404");
    }

    @Test
    void serverErrorsAreRetriedOnce() throws Exception {
        int[] calls = {0};
        overrides.put("/tdx/certification/v4/qe/identity", ex -> {
            if (calls[0]++ == 0) {
                send(ex, 503, new byte[0]);
            } else {
                answer(ex, ex.getRequestURI().getPath());
            }
        });
        assertThat(client().fetch(fixture.quote()).qeIdentity()).isEqualTo(expected.qeIdentity());
        assertThat(calls[0]).isEqualTo(2);
        assertThat(requests).filteredOn(r -> r.startsWith("/tdx/certification/v4/qe/identity")).hasSize(2);
    }

    @Test
    void missingIssuerChainHeaderIsAnError() {
        overrides.put("/sgx/certification/v4/pckcrl", ex -> send(ex, 200, expected.pckCrl()));
        assertThatThrownBy(() -> client().fetch(fixture.quote())).isInstanceOf(PccsException.class)
                .hasMessageContaining("SGX-PCK-CRL-Issuer-Chain");
    }

    @Test
    void oversizedAnswersAreRejected() {
        PccsClient small = new PccsClient(base, Duration.ofSeconds(5), 1000, Optional.empty());
        assertThatThrownBy(() -> small.fetch(fixture.quote())).isInstanceOf(PccsException.class).hasMessageContaining("exceeds 1000 bytes");
    }

    @Test
    void slowAnswersTimeOut() {
        overrides.put("/sgx/certification/v4/pckcrl", ex -> {
            try {
                release.await(SERVER_STALL.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(ex, 200, expected.pckCrl());
        });
        PccsClient impatient = new PccsClient(base, Duration.ofMillis(300), 1 << 20, Optional.empty());
        long t = System.nanoTime();
        assertThatThrownBy(() -> impatient.fetch(fixture.quote())).isInstanceOf(PccsException.class).hasMessageContaining("Timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(SERVER_STALL.minusSeconds(1));
    }

    @Test
    void aBodyThatTricklesTimesOut() {
        overrides.put("/sgx/certification/v4/pckcrl", ex -> {
            ex.getResponseHeaders().add("SGX-PCK-CRL-Issuer-Chain", urlEncoded(expected.pckCrlIssuerChain()));
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write(expected.pckCrl(), 0, 10);
            ex.getResponseBody().flush();
            try {
                release.await(SERVER_STALL.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        // the headers must arrive within the timeout for the body's own bound to be what ends it: 300 ms was not enough for
        // a loaded machine's first request, 5 s is
        PccsClient impatient = new PccsClient(base, Duration.ofSeconds(5), 1 << 20, Optional.empty());
        long t = System.nanoTime();
        assertThatThrownBy(() -> impatient.fetch(fixture.quote())).isInstanceOf(PccsException.class).hasMessageContaining("body not received");
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(SERVER_STALL.minusSeconds(1));
    }

    @Test
    void malformedSignedDocumentsAreErrors() {
        overrides.put("/tdx/certification/v4/qe/identity", ex -> {
            ex.getResponseHeaders().add("SGX-Enclave-Identity-Issuer-Chain", urlEncoded(expected.qeIdentityIssuerChain()));
            send(ex, 200, "{\"enclaveIdentity\":{},\"signature\":\"zz\"}".getBytes(StandardCharsets.UTF_8));
        });
        assertThatThrownBy(() -> client().fetch(fixture.quote())).isInstanceOf(PccsException.class).hasMessageContaining("signature");
    }

    @Test
    void rootCaCrlFallsBackToTheDistributionPoint() throws Exception {
        overrides.put("/sgx/certification/v4/rootcacrl", ex -> send(ex, 404, new byte[0]));
        overrides.put("/IntelSGXRootCA.der", ex -> send(ex, 200, expected.rootCaCrl()));
        PccsClient c = new PccsClient(base, Duration.ofSeconds(5), 1 << 20, Optional.of(URI.create(base + "/IntelSGXRootCA.der")));
        assertThat(c.fetch(fixture.quote()).rootCaCrl()).isEqualTo(expected.rootCaCrl());
        PccsClient noFallback = client();
        assertThatThrownBy(() -> noFallback.fetch(fixture.quote())).hasMessageContaining("rootcacrl").hasMessageContaining("404");
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> client().fetch("XYZ", "platform")).isInstanceOf(PccsException.class).hasMessageContaining("FMSPC");
        assertThatThrownBy(() -> client().fetch("B0C06F000000", "other")).isInstanceOf(PccsException.class);
        assertThatThrownBy(() -> client().fetch(new byte[10])).isInstanceOf(PccsException.class).hasMessageContaining("quote");
        assertThatThrownBy(() -> PccsClient.of(URI.create("ftp://x"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(requests).isEmpty();
    }
}
