package org.dstack4j.tls;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The site's handler when the app serves plain HTTP inside the CVM: each HTTPS request (other than the
 * attestation) is forwarded to {@code upstream} (e.g. {@code http://127.0.0.1:8080}, the app's port inside the CVM,
 * never the host's) with its method, path, query, end-to-end headers and body, plus {@code X-Forwarded-Proto: https},
 * {@code X-Forwarded-Host} and {@code X-Forwarded-For}; the answer comes back the same way. Caps: a request body of
 * at most {@code maxBody} bytes (413 beyond), an answer body of at most {@code maxBody × 16} (502 beyond), one
 * deadline per exchange (504). An upstream that does not answer gives 502 with a one-line reason (no app details).
 * Without an upstream ({@link #none()}), every path answers 404.
 */
public final class AppProxy implements HttpHandler {
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
            "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect", "http2-settings", "forwarded",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "date");
    private final URI upstream;
    private final HttpClient client;
    private final Duration timeout;
    private final int maxBody;

    private AppProxy(URI upstream, Duration timeout, int maxBody) {
        this.upstream = upstream;
        this.timeout = timeout;
        this.maxBody = maxBody;
        this.client = upstream == null ? null : HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * Forwards to {@code upstream}.
     *
     * @throws IllegalArgumentException unless it is an {@code http} URL with a host and no query (a path prefix is kept)
     *                                  whose host is inside the CVM: a loopback address or {@code localhost}, or a
     *                                  single-label name (a compose service on the CVM's own Docker network). A dotted
     *                                  name or another IP address could be the host's, which would then receive every
     *                                  request decrypted under the cluster's certificate.
     */
    public static AppProxy to(URI upstream, Duration timeout, int maxBody) {
        if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null || upstream.getRawQuery() != null || upstream.getRawFragment() != null) {
            throw new IllegalArgumentException("the app upstream " + upstream + " is not an http://HOST:PORT URL (the app's plain-HTTP port inside the CVM)");
        }
        if (!insideTheCvm(upstream.getHost())) {
            throw new IllegalArgumentException("the app upstream " + upstream + " could be outside the CVM: give a loopback address,"
                    + " localhost, or a compose service name without dots (e.g. http://app:8080)");
        }
        return new AppProxy(upstream, timeout, maxBody);
    }

    static boolean insideTheCvm(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        if (h.equals("localhost") || h.equals("[::1]") || h.equals("::1")) return true;
        if (h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) return true;
        // a single DNS label that is not all digits (an IPv4 literal like 2130706433 would parse as one)
        return h.matches("[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?") && !h.matches("\\d+");
    }

    /** No app: every path answers 404 (only the attestation is served). */
    public static AppProxy none() {
        return new AppProxy(null, Duration.ofSeconds(1), 0);
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (upstream == null) {
                send(ex, 404, "no app behind this site\n");
                return;
            }
            byte[] body = readCapped(ex.getRequestBody(), maxBody);
            if (body == null) {
                send(ex, 413, "the request body is over " + maxBody + " bytes\n");
                return;
            }
            String base = upstream.toString().replaceAll("/+$", "");
            URI target = URI.create(base + ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout)
                    .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((name, values) -> {
                if (HOP.contains(name.toLowerCase(Locale.ROOT))) return;
                for (String v : values) {
                    try {
                        b.header(name, v);
                    } catch (IllegalArgumentException restricted) {
                        // a header the JDK client sets itself; dropped
                    }
                }
            });
            String host = ex.getRequestHeaders().getFirst("Host");
            b.header("X-Forwarded-Proto", "https").header("X-Forwarded-For", ex.getRemoteAddress().getAddress().getHostAddress());
            if (host != null) b.header("X-Forwarded-Host", host);
            HttpResponse<InputStream> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                send(ex, 504, "the app did not answer within " + timeout + "\n");
                return;
            } catch (IOException e) {
                send(ex, 502, "the app is not reachable\n");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            byte[] answer;
            try (InputStream in = r.body()) {
                answer = readCapped(in, maxBody * 16);
            }
            if (answer == null) {
                send(ex, 502, "the app's answer is over " + (maxBody * 16) + " bytes\n");
                return;
            }
            r.headers().map().forEach((name, values) -> {
                if (!HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) ex.getResponseHeaders().put(name, List.copyOf(values));
            });
            boolean noBody = "HEAD".equals(ex.getRequestMethod()) || r.statusCode() == 204 || r.statusCode() == 304;
            ex.sendResponseHeaders(r.statusCode(), noBody || answer.length == 0 ? -1 : answer.length);
            if (!noBody) ex.getResponseBody().write(answer);
        }
    }

    /** At most {@code max} bytes, or null when there are more. */
    private static byte[] readCapped(InputStream in, int max) throws IOException {
        byte[] b = in.readNBytes(max + 1);
        return b.length > max ? null : b;
    }

    private static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }
}
