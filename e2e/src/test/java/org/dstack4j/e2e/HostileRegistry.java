package org.dstack4j.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageIndex;

/**
 * A programmable, hostile OCI distribution registry on {@code 127.0.0.1:<free port>}: the JDK's
 * {@link HttpServer} speaking just enough of the distribution API ({@code /v2/}, manifests by tag or
 * digest, blobs, and a {@code /token} realm) to serve images to the launcher's validator and to a real
 * dockerd, and a {@link #script} that replaces any answer with a hostile one: bytes that do not hash
 * to their digest, lying headers, wrong media types, oversize or endless bodies, redirect and 401
 * loops, broken token endpoints, answers that never come, or different content for the launcher
 * ({@code User-Agent: dstack4j-launcher}) than for the engine ({@code User-Agent: docker/…}).
 *
 * <p>Every request is recorded ({@link #requests()}); {@link #await} waits for one. Handlers run on
 * virtual threads, so a hanging answer blocks nothing else; {@link #close()} releases them.
 */
final class HostileRegistry implements AutoCloseable {
    /** The token the default {@code /token} realm issues: a planted secret that must never be printed. */
    static final String TOKEN = "hostile-token-" + Long.toHexString(Double.doubleToLongBits(Math.random()));

    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/(sha256:[0-9a-f]{64})");

    /** One request as received. Header names are lower-case. */
    record Request(String method, String path, String query, Map<String, String> headers) {
        String userAgent() {
            return headers.getOrDefault("user-agent", "");
        }

        /** The launcher's validator (not the engine). */
        boolean fromLauncher() {
            return userAgent().startsWith("dstack4j-launcher");
        }

        /** dockerd's puller. */
        boolean fromEngine() {
            return userAgent().toLowerCase(Locale.ROOT).contains("docker/");
        }

        boolean isManifest() {
            return MANIFEST.matcher(path).matches();
        }

        boolean isBlob() {
            return BLOB.matcher(path).matches();
        }

        boolean isToken() {
            return path.equals("/token");
        }
    }

    /** What to answer. */
    sealed interface Reply {
        /** Answer normally from the published content (or the default token). */
        Reply SERVE = new Serve();

        record Serve() implements Reply {}

        /** A complete answer; an empty body is sent with {@code Content-Length: 0}. */
        record Bytes(int status, Map<String, String> headers, byte[] body) implements Reply {}

        /** Headers, then {@code prefix}, then one more byte every 200 ms, forever (chunked). */
        record Drip(int status, Map<String, String> headers, byte[] prefix) implements Reply {}

        /** Accept the request and never answer. */
        record Hang() implements Reply {}

        static Reply json(int status, String body) {
            return new Bytes(status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
        }

        static Reply status(int status, Map<String, String> headers) {
            return new Bytes(status, headers, new byte[0]);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, OciImage.Blob> manifests = new ConcurrentHashMap<>(); // "repo@ref" -> manifest
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private volatile Function<Request, Reply> script = r -> Reply.SERVE;

    private HostileRegistry(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static HostileRegistry start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        HostileRegistry registry = new HostileRegistry(http, executor);
        http.createContext("/", registry::handle);
        http.start();
        return registry;
    }

    /** {@code 127.0.0.1:<port>}, the form {@code MPC_REGISTRY} takes. */
    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>/token}. */
    String realm() {
        return "http://" + hostPort() + "/token";
    }

    /** A well-formed Bearer challenge pointing at this registry's {@code /token}. */
    String bearerChallenge(String repository) {
        return "Bearer realm=\"" + realm() + "\",service=\"hostile\",scope=\"repository:" + repository + ":pull\"";
    }

    /** Serves {@code image} under its manifest digest and every tag, with its blobs. */
    void publish(String repository, OciImage image, String... tags) {
        blobs.put(image.config().digest(), image.config().content());
        image.layers().forEach(l -> blobs.put(l.digest(), l.content()));
        manifests.put(repository + "@" + image.manifestDigest(), image.manifest());
        for (String tag : tags) manifests.put(repository + "@" + tag, image.manifest());
    }

    /** Serves every image of {@code index} by digest and the index under every tag. */
    void publish(String repository, OciImageIndex index, String... tags) {
        index.manifests().forEach(image -> publish(repository, image));
        manifests.put(repository + "@" + index.index().digest(), index.index());
        for (String tag : tags) manifests.put(repository + "@" + tag, index.index());
    }

    /** Serves arbitrary manifest bytes under {@code reference} (a tag or a digest). */
    void putManifest(String repository, String reference, OciImage.Blob manifest) {
        manifests.put(repository + "@" + reference, manifest);
    }

    /** Replaces the behaviour: {@code script} decides every answer; {@link Reply#SERVE} answers normally. */
    void script(Function<Request, Reply> newScript) {
        script = Objects.requireNonNull(newScript);
        requests.clear();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /**
     * Waits until a request matching {@code which} has arrived.
     *
     * @throws AssertionError when none arrives within {@code timeout}
     */
    Request await(Predicate<Request> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Request r : requests) if (which.test(r)) return r;
            Thread.sleep(20);
        }
        throw new AssertionError("no matching request within " + timeout + "; got " + requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.getFirst()));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), headers);
            requests.add(request);
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
            Reply reply = script.apply(request);
            if (reply instanceof Reply.Serve) reply = serve(request);
            send(exchange, request, reply);
        } catch (IOException | RuntimeException e) {
            // the client went away (timeout, cap, kill): nothing to answer
        }
    }

    private Reply serve(Request r) {
        if (r.path().equals("/v2/") || r.path().equals("/v2")) return Reply.json(200, "{}");
        if (r.isToken()) return Reply.json(200, "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
        Matcher m = MANIFEST.matcher(r.path());
        if (m.matches()) {
            OciImage.Blob manifest = manifests.get(m.group(1) + "@" + m.group(2));
            if (manifest == null) return Reply.json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}");
            return new Reply.Bytes(200, Map.of("Content-Type", manifest.mediaType(), "Docker-Content-Digest", manifest.digest()),
                    manifest.content());
        }
        Matcher b = BLOB.matcher(r.path());
        if (b.matches()) {
            byte[] blob = blobs.get(b.group(2));
            if (blob == null) return Reply.json(404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}");
            return new Reply.Bytes(200, Map.of("Content-Type", "application/octet-stream", "Docker-Content-Digest", b.group(2)), blob);
        }
        return Reply.json(404, "{\"errors\":[{\"code\":\"NOT_FOUND\"}]}");
    }

    private void send(HttpExchange exchange, Request request, Reply reply) throws IOException {
        boolean head = request.method().equals("HEAD");
        switch (reply) {
            case Reply.Serve s -> throw new IllegalStateException("resolved above");
            case Reply.Hang h -> {
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case Reply.Bytes b -> {
                b.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                if (head || b.body().length == 0) {
                    if (head && b.body().length > 0) exchange.getResponseHeaders().set("Content-Length", Integer.toString(b.body().length));
                    exchange.sendResponseHeaders(b.status(), -1);
                } else {
                    exchange.sendResponseHeaders(b.status(), b.body().length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(b.body());
                    }
                }
            }
            case Reply.Drip d -> {
                d.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                exchange.sendResponseHeaders(d.status(), 0);
                OutputStream out = exchange.getResponseBody();
                out.write(d.prefix());
                out.flush();
                try {
                    while (!closed.await(200, TimeUnit.MILLISECONDS)) {
                        out.write(' ');
                        out.flush();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
