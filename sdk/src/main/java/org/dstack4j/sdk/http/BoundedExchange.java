package org.dstack4j.sdk.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code java.net.http} exchange bounded as a whole: the status and the whole body must arrive within
 * {@code deadline} (a server that trickles its answer is cut off too, which {@link HttpRequest#timeout} alone does
 * not do), and a body over {@code maxBytes} is not read past the cap. The JSON clients of the NEAR RPC and the dstack
 * VMM share it; each maps the {@link Outcome} to its own errors.
 */
public final class BoundedExchange {
    // Bodies are read on virtual threads, never the common pool: a read blocked on a trickling server would hold a
    // pool thread (one on 2 cores) until the server closed, stalling every later exchange in the JVM.
    private static final Executor BODY_READERS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("bounded-exchange-body-", 0).factory());

    private BoundedExchange() {}

    /** What came of the exchange. */
    public sealed interface Outcome {
        /** A complete answer: status and body (at most the cap). */
        record Answer(int status, byte[] body) implements Outcome {}

        /** The body was longer than the cap. */
        record TooLarge(long maxBytes) implements Outcome {}

        /** No complete answer within the deadline. */
        record TimedOut(Duration deadline) implements Outcome {}

        /**
         * No answer: the connection failed ({@code reason} is the exception's class name, never its message, which
         * may hold the URL), or {@code "interrupted"} (the thread's interrupt flag is set again).
         */
        record Failed(String reason) implements Outcome {}
    }

    /**
     * Sends {@code request} and reads the answer within {@code deadline}.
     *
     * @param maxBytes most body bytes kept, ≥ 0
     */
    public static Outcome send(HttpClient http, HttpRequest request, Duration deadline, long maxBytes) {
        CompletableFuture<HttpResponse<InputStream>> f = http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<Outcome> answer = f.thenApplyAsync(r -> read(r.statusCode(), r.body(), maxBytes), BODY_READERS);
        try {
            return answer.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandon(f, answer);
            return new Outcome.TimedOut(deadline);
        } catch (InterruptedException e) {
            abandon(f, answer);
            Thread.currentThread().interrupt();
            return new Outcome.Failed("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            if (c instanceof HttpTimeoutException) return new Outcome.TimedOut(deadline);
            return new Outcome.Failed(c == null ? "unknown" : c.getClass().getSimpleName());
        }
    }

    /**
     * Gives up on an exchange: cancelling a future does not stop a body read already running, so the body stream is
     * closed too (that ends the blocked read and releases the connection).
     */
    private static void abandon(CompletableFuture<HttpResponse<InputStream>> f, CompletableFuture<Outcome> answer) {
        f.cancel(true);
        answer.cancel(true);
        HttpResponse<InputStream> r = f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
        if (r != null) {
            try {
                r.body().close();
            } catch (IOException ignored) {
                // closing is best effort: the read ends with the connection at the latest
            }
        }
    }

    private static Outcome read(int status, InputStream in, long maxBytes) {
        try (in) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            return b.length > maxBytes ? new Outcome.TooLarge(maxBytes) : new Outcome.Answer(status, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
