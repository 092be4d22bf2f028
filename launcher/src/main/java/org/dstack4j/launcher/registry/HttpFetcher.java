package org.dstack4j.launcher.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;

/**
 * Bounded HTTP GETs for the registry client: every attempt has one deadline from request start to
 * the last body byte ({@link RetryPolicy#requestTimeout()}; the JDK's own request timeout only
 * covers the headers), every body is capped, transient failures (I/O errors, timeouts, 429, 5xx)
 * are retried up to {@link RetryPolicy#maxAttempts()} with no delay before the first attempt, and
 * at most {@value #MAX_REDIRECTS} redirects are followed, never from https to http and with
 * {@code Authorization} dropped when the host changes. Every URL passes the {@link HostPolicy}.
 */
final class HttpFetcher {
    /** Redirects followed per request. */
    static final int MAX_REDIRECTS = 5;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    private final HttpClient client;
    private final RegistryOptions options;
    private final HostPolicy hosts;
    private final Sleeper sleeper;
    private final Consumer<String> log;

    HttpFetcher(HttpClient client, RegistryOptions options, HostPolicy hosts, Sleeper sleeper, Consumer<String> log) {
        this.client = client;
        this.options = options;
        this.hosts = hosts;
        this.sleeper = sleeper;
        this.log = log;
    }

    /**
     * GETs {@code uri}, following redirects and retrying transient failures.
     *
     * @param headers  request headers; an {@code Authorization} entry is only sent to the original host
     * @param maxBytes body cap in bytes
     * @param what     what is fetched, for messages, e.g. "manifest latest"
     * @return the final non-redirect response, which may be any status other than 429 and 5xx
     * @throws RegistryException when a URL is not allowed, the body is too large, redirects loop or
     *                           exceed the limit, or all attempts failed transiently
     */
    FetchedResponse get(URI uri, Map<String, String> headers, long maxBytes, String what) throws RegistryException {
        URI current = uri;
        Map<String, String> sent = new LinkedHashMap<>(headers);
        for (int redirects = 0; ; redirects++) {
            hosts.requireAllowed(current, what + " URL");
            FetchedResponse response = getWithRetries(current, sent, maxBytes, what);
            if (!REDIRECTS.contains(response.status())) return response;
            if (redirects == MAX_REDIRECTS) {
                throw new RegistryException(LaunchStep.REGISTRY, uri.getAuthority(),
                        "more than " + MAX_REDIRECTS + " redirects fetching " + what + " from " + uri,
                        "fix the registry's redirects (a loop or an overly long chain)");
            }
            URI next = redirectTarget(current, response, what);
            if ("https".equalsIgnoreCase(current.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                throw new RegistryException(LaunchStep.REGISTRY, current.getAuthority(),
                        "redirect from https to " + next.getScheme() + " refused while fetching " + what + ": " + next,
                        "fix the registry so that it redirects to https only");
            }
            if (!sameOrigin(current, next)) sent.keySet().removeIf(k -> k.equalsIgnoreCase("Authorization"));
            log.accept("registry: " + what + " redirected (" + response.status() + ") to " + next.getScheme() + "://" + next.getAuthority() + next.getRawPath());
            current = next;
        }
    }

    private static URI redirectTarget(URI current, FetchedResponse response, String what) throws RegistryException {
        String location = response.header("location").orElse("");
        try {
            if (location.isBlank()) throw new IllegalArgumentException("empty");
            return current.resolve(new URI(location.strip())).normalize();
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new RegistryException(LaunchStep.REGISTRY, current.getAuthority(),
                    "redirect " + response.status() + " without a valid Location while fetching " + what,
                    "fix the registry's redirect responses");
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() >= 0) return uri.getPort();
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private FetchedResponse getWithRetries(URI uri, Map<String, String> headers, long maxBytes, String what) throws RegistryException {
        RetryPolicy policy = options.retryPolicy();
        String lastProblem = "no attempt made";
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            Duration delay = policy.delayBefore(attempt);
            if (!delay.isZero()) pause(uri, delay);
            try {
                FetchedResponse response = once(uri, headers, maxBytes, what);
                int status = response.status();
                if (status != 429 && status < 500) return response;
                lastProblem = "HTTP " + status;
            } catch (TransientFailure e) {
                lastProblem = e.getMessage();
            }
            if (attempt < policy.maxAttempts()) {
                log.accept("registry: " + what + " from " + uri.getAuthority() + " failed (" + lastProblem
                        + "), attempt " + attempt + "/" + policy.maxAttempts() + ", retrying");
            }
        }
        throw new RegistryException(LaunchStep.REGISTRY, uri.getAuthority(),
                "GET " + uri + " (" + what + ") failed after " + policy.maxAttempts() + " attempt(s): " + lastProblem,
                "check that the registry is reachable and healthy; RPC_MAX_ATTEMPTS, RPC_REQUEST_TIMEOUT_SECS and "
                        + "RPC_REQUEST_INTERVAL_SECS in user_config tune the retries");
    }

    private void pause(URI uri, Duration delay) throws RegistryException {
        try {
            sleeper.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(uri, e);
        }
    }

    private FetchedResponse once(URI uri, Map<String, String> headers, long maxBytes, String what)
            throws TransientFailure, RegistryException {
        Duration timeout = options.retryPolicy().requestTimeout();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET().timeout(timeout)
                .header("User-Agent", options.userAgent());
        headers.forEach(builder::header);
        CappedBodyHandler handler = new CappedBodyHandler(maxBytes);
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(builder.build(), handler);
        try {
            HttpResponse<byte[]> response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new FetchedResponse(uri, response.statusCode(), response.headers(), response.body());
        } catch (TimeoutException e) {
            abort(future, handler);
            throw new TransientFailure("no complete response within " + seconds(timeout));
        } catch (InterruptedException e) {
            abort(future, handler);
            Thread.currentThread().interrupt();
            throw interrupted(uri, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CappedBodyHandler.BodyTooLargeException) {
                throw new RegistryException(LaunchStep.REGISTRY, uri.getAuthority(),
                        what + " from " + uri + ": response body larger than " + maxBytes + " bytes",
                        "check that " + uri.getAuthority() + " is a registry serving this image; manifests are small JSON documents");
            }
            if (cause instanceof java.net.http.HttpTimeoutException) {
                // the JDK's header timeout and our body deadline are the same bound: one message for both
                throw new TransientFailure("no complete response within " + seconds(timeout));
            }
            if (cause instanceof IOException io) {
                throw new TransientFailure(describe(io));
            }
            throw new RegistryException(LaunchStep.REGISTRY, uri.getAuthority(),
                    "GET " + uri + " failed: " + cause, "check the registry URL and the launcher's network", cause);
        }
    }

    private static void abort(CompletableFuture<?> future, CappedBodyHandler handler) {
        handler.cancel(); // closes a connection still streaming a body
        future.cancel(true);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + ": " + message;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f s", d.toMillis() / 1000.0);
    }

    private static RegistryException interrupted(URI uri, InterruptedException e) {
        return new RegistryException(LaunchStep.REGISTRY, uri.getAuthority(), "interrupted while talking to the registry",
                "do not interrupt the launcher during registry validation", e);
    }

    /** A failure worth another attempt: I/O error or deadline passed. */
    private static final class TransientFailure extends Exception {
        TransientFailure(String message) {
            super(message, null, false, false);
        }
    }
}
