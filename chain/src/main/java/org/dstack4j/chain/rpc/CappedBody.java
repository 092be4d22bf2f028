package org.dstack4j.chain.rpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** A response body collected into memory up to a cap; past the cap the download is cancelled. */
final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** Thrown (as the body future's cause) when the body exceeds the cap. */
    static final class TooLargeException extends IOException {
        TooLargeException(long limit) {
            super("response body over " + limit + " bytes");
        }
    }

    private final long limit;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(long limit) {
        this.limit = limit;
    }

    static HttpResponse.BodyHandler<byte[]> handler(long limit) {
        return info -> {
            long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
            CappedBody body = new CappedBody(limit);
            if (declared > limit) {
                body.result.completeExceptionally(new TooLargeException(limit));
            }
            return body;
        };
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (result.isDone()) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            if (buf.size() + (long) b.remaining() > limit) {
                result.completeExceptionally(new TooLargeException(limit));
                subscription.cancel();
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            buf.writeBytes(chunk);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(buf.toByteArray());
    }
}
