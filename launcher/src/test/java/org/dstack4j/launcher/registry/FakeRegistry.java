package org.dstack4j.launcher.registry;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * An in-process registry double on {@link HttpServer}: routes by exact path, records every request,
 * optionally gates {@code /v2/} paths behind an auth check that answers 401 with a challenge.
 */
final class FakeRegistry implements AutoCloseable {
    record Request(String method, String path, String query, Headers headers) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile Predicate<String> authorized = a -> true;
    private volatile String challenge;

    FakeRegistry() throws IOException {
        this(InetAddress.getByName("127.0.0.1"));
    }

    FakeRegistry(InetAddress address) throws IOException {
        server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
    }

    /** {@code 127.0.0.1:<port>}. */
    String authority() {
        return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    String url(String path) {
        return "http://" + authority() + path;
    }

    void route(String path, HttpHandler handler) {
        routes.put(path, handler);
    }

    /** /v2/ requests whose Authorization fails {@code check} get 401 with {@code challengeHeader}. */
    void requireAuth(Predicate<String> check, String challengeHeader) {
        this.authorized = check;
        this.challenge = challengeHeader;
    }

    /** Serves {@code body} under {@code /v2/<name>/manifests/<tag>} (if tag non-null) and under its digest. */
    ImageDigest serveManifest(String name, String tag, String mediaType, byte[] body) {
        ImageDigest digest = ImageDigest.of(body);
        HttpHandler handler = ex -> respond(ex, 200, mediaType, body, digest.toString());
        if (tag != null) route("/v2/" + name + "/manifests/" + tag, handler);
        route("/v2/" + name + "/manifests/" + digest, handler);
        return digest;
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    long count(String path) {
        return requests().stream().filter(r -> r.path().equals(path)).count();
    }

    private void dispatch(HttpExchange ex) throws IOException {
        try (ex) {
            URIParts parts = new URIParts(ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery());
            requests.add(new Request(ex.getRequestMethod(), parts.path, parts.query, copy(ex.getRequestHeaders())));
            if (parts.path.startsWith("/v2/") && challenge != null && !authorized.test(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", challenge);
                respond(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            HttpHandler handler = routes.get(parts.path);
            if (handler == null) {
                respond(ex, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            handler.handle(ex);
        } catch (IOException | RuntimeException e) {
            // client went away (deadline tests) or a test handler threw: nothing to answer
        }
    }

    private record URIParts(String path, String query) {
    }

    private static Headers copy(Headers headers) {
        Headers copy = new Headers();
        headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    static void respond(HttpExchange ex, int status, String contentType, byte[] body, String digestHeader) throws IOException {
        if (contentType != null) ex.getResponseHeaders().set("Content-Type", contentType);
        if (digestHeader != null) ex.getResponseHeaders().set("Docker-Content-Digest", digestHeader);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static void respondJson(HttpExchange ex, int status, String json) throws IOException {
        respond(ex, status, "application/json", json.getBytes(StandardCharsets.UTF_8), null);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
