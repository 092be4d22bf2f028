package org.dstack4j.launcher.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body into memory but never more than {@code maxBytes}: a larger
 * {@code Content-Length} or a body that grows past the cap cancels the subscription (closing the
 * connection) and fails with {@link BodyTooLargeException}. {@link #cancel()} lets the caller abort
 * a body that is still streaming when its deadline passes.
 */
final class CappedBodyHandler implements HttpResponse.BodyHandler<byte[]> {
    /** The body exceeded the cap; not a transient failure. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(long max) {
            super("response body larger than " + max + " bytes");
        }
    }

    private final long maxBytes;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    CappedBodyHandler(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Stops reading the body, if one is being read. */
    void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription;
        if (s != null) s.cancel();
    }

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
        long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
        return new Subscriber(declared > maxBytes);
    }

    private final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final boolean declaredTooLarge;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        Subscriber(boolean declaredTooLarge) {
            this.declaredTooLarge = declaredTooLarge;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declaredTooLarge) {
                s.cancel();
                result.completeExceptionally(new BodyTooLargeException(maxBytes));
            } else if (cancelled) {
                s.cancel();
                result.completeExceptionally(new IOException("body reading cancelled"));
            } else {
                s.request(Long.MAX_VALUE); // bounded by the cap check in onNext
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer item : items) {
                if (buffer.size() + (long) item.remaining() > maxBytes) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLargeException(maxBytes));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                buffer.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }
    }
}
