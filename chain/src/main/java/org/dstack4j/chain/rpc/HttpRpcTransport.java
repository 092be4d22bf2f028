package org.dstack4j.chain.rpc;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A direct HTTP(S) connection to one JSON-RPC endpoint (JDK HttpClient, the JDK's trust store for https): one
 * deadline over connect, headers and body, a cap on the response size, no redirects.
 */
public final class HttpRpcTransport implements RpcTransport {
    private final URI endpoint;
    private final String redacted;
    private final Duration timeout;
    private final long maxResponse;
    private final HttpClient http;

    /**
     * @param endpoint http or https URL of the node
     * @param timeout deadline of each call (connect + headers + body)
     * @param maxResponseBytes cap on a response body
     * @throws IllegalArgumentException when the URL is not http(s) or the limits are not positive
     */
    public HttpRpcTransport(URI endpoint, Duration timeout, long maxResponseBytes) {
        RpcTransport.requireHttp(endpoint);
        if (timeout.isNegative() || timeout.isZero() || maxResponseBytes <= 0) {
            throw new IllegalArgumentException("the RPC timeout and response cap must be positive");
        }
        this.endpoint = endpoint;
        this.redacted = RpcTransport.redact(endpoint);
        this.timeout = timeout;
        this.maxResponse = maxResponseBytes;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public byte[] post(String method, byte[] body) throws RpcException {
        HttpRequest httpReq = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(httpReq, CappedBody.handler(maxResponse));
        HttpResponse<byte[]> resp;
        try {
            resp = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new RpcException(new RpcError.Timeout(redacted, method, timeout));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new RpcException(new RpcError.Transport(redacted, method, "interrupted"), e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof CappedBody.TooLargeException || (c != null && c.getCause() instanceof CappedBody.TooLargeException)) {
                throw new RpcException(new RpcError.TooLarge(redacted, method, maxResponse));
            }
            if (c instanceof java.net.http.HttpTimeoutException) {
                throw new RpcException(new RpcError.Timeout(redacted, method, timeout));
            }
            throw new RpcException(new RpcError.Transport(redacted, method, c == null ? "unknown" : c.getClass().getSimpleName()
                    + (c.getMessage() == null ? "" : ": " + c.getMessage())), c);
        }
        if (resp.statusCode() != 200) {
            throw new RpcException(new RpcError.HttpStatus(redacted, method, resp.statusCode()));
        }
        return resp.body();
    }

    @Override
    public String endpoint() {
        return redacted;
    }

    /**
     * Closes the HTTP client at once. It does not wait for exchanges still running after their deadline passed
     * ({@code HttpClient.close()} would, and so hold up a process's exit).
     */
    @Override
    public void close() {
        http.shutdownNow();
    }
}
