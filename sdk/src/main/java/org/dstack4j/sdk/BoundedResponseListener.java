package org.dstack4j.sdk;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Buffers one response body up to a cap, aborting the exchange as soon as the declared or received
 * length exceeds it, so a hostile or broken agent cannot make the client allocate without bound.
 */
final class BoundedResponseListener implements Response.Listener {

    /** Abort reason used when the cap is exceeded; recognised when the failure is classified. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super("response body exceeds the cap", null, false, false);
        }
    }

    /** The finished exchange and, when it succeeded, the buffered body. */
    record Outcome(Result result, byte[] body) {}

    private final int maxBytes;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final CompletableFuture<Outcome> done = new CompletableFuture<>();

    BoundedResponseListener(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    CompletableFuture<Outcome> outcome() {
        return done;
    }

    @Override
    public void onHeaders(Response response) {
        long declared = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > maxBytes) {
            response.abort(new TooLarge());
        }
    }

    @Override
    public void onContent(Response response, ByteBuffer content) {
        if ((long) body.size() + content.remaining() > maxBytes) {
            response.abort(new TooLarge());
            return;
        }
        byte[] chunk = new byte[content.remaining()];
        content.get(chunk);
        body.writeBytes(chunk);
    }

    @Override
    public void onComplete(Result result) {
        done.complete(new Outcome(result, result.isSucceeded() ? body.toByteArray() : new byte[0]));
    }
}
