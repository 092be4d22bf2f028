package org.dstack4j.near.node;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** GETs from an MPC node's web port ({@code /public_data}, {@code /metrics}) with one deadline over the whole answer and a size cap. */
public final class NodeHttp {
    private NodeHttp() {}

    /**
     * @throws IOException with a one-line message naming the URL (without credentials) and what went wrong
     */
    public static byte[] get(URI url, Duration deadline, int cap) throws IOException {
        String shown = url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "") + url.getPath();
        HttpClient http = HttpClient.newBuilder().connectTimeout(deadline).followRedirects(HttpClient.Redirect.NEVER).build();
        // shutdownNow, not close(): close() would wait for an exchange still running past the deadline
        try {
            CompletableFuture<HttpResponse<InputStream>> f = http.sendAsync(HttpRequest.newBuilder(url).timeout(deadline).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            CompletableFuture<byte[]> body = f.thenApplyAsync(r -> {
                try (InputStream in = r.body()) {
                    if (r.statusCode() != 200) throw new java.io.UncheckedIOException(new IOException("HTTP " + r.statusCode()));
                    return in.readNBytes(cap + 1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                byte[] b = body.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
                if (b.length > cap) throw new IOException(shown + " sent more than " + cap + " bytes");
                return b;
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new IOException(shown + " did not answer within " + deadline.toSeconds() + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(shown + ": interrupted");
            } catch (ExecutionException e) {
                Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
                String why = c == null ? "unknown" : c.getMessage() != null && c.getMessage().startsWith("HTTP ") ? "answered " + c.getMessage()
                        : "unreachable (" + c.getClass().getSimpleName() + ")";
                throw new IOException(shown + " " + why);
            }
        } finally {
            http.shutdownNow();
        }
    }
}
