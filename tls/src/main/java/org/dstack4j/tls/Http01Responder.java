package org.dstack4j.tls;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * Answers ACME HTTP-01 challenges ({@code GET /.well-known/acme-challenge/TOKEN} → the key authorization, RFC 8555
 * §8.3) from inside the member: the host only forwards port 80. Anything else is 404. Serves on virtual threads with
 * {@link HttpCaps} (at most 64 exchanges at once).
 */
public final class Http01Responder implements AutoCloseable {
    static final String PREFIX = "/.well-known/acme-challenge/";
    private final HttpServer server;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private volatile String thumbprint;

    private Http01Responder(HttpServer server) {
        this.server = server;
    }

    /** Starts on {@code address} (port 80 behind the CVM's gateway; a loopback port in tests). */
    public static Http01Responder start(InetSocketAddress address) throws IOException {
        HttpCaps.apply();
        HttpServer s = HttpServer.create(address, 16);
        Http01Responder r = new Http01Responder(s);
        var ctx = s.createContext("/", ex -> {
            try (ex) {
                String path = ex.getRequestURI().getRawPath();
                String answer = path.startsWith(PREFIX) ? r.answer(path.substring(PREFIX.length())) : null;
                if (answer == null || !"GET".equals(ex.getRequestMethod())) {
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = answer.getBytes(StandardCharsets.US_ASCII);
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        ctx.getFilters().add(HttpCaps.inFlight(64));
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return r;
    }

    /**
     * Answers every well-formed token ({@code [A-Za-z0-9_-]{16,256}}) with {@code token.thumbprint}: the key
     * authorization of RFC 8555 §8.1 for the account whose JWK thumbprint (base64url) this is. The cluster's ACME
     * account key is derived alike in every member, so any member can answer a challenge another member's order
     * triggered: the host may forward port 80 to any live member (or balance it). The answer is public by design; it
     * validates only for the cluster's account.
     */
    void answerAnyToken(String accountThumbprint) {
        this.thumbprint = accountThumbprint;
    }

    private String answer(String token) {
        String a = answers.get(token);
        if (a != null) return a;
        String t = thumbprint;
        return t != null && token.matches("[A-Za-z0-9_-]{16,256}") ? token + "." + t : null;
    }

    void put(String token, String keyAuthorization) {
        answers.put(token, keyAuthorization);
    }

    void remove(String token) {
        answers.remove(token);
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
