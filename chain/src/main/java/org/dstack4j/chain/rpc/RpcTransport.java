package org.dstack4j.chain.rpc;

/**
 * How {@link JsonRpcClient} carries one JSON-RPC request: an HTTP POST to one endpoint that returns the body of a 200
 * answer. {@link HttpRpcTransport} is a direct HTTP(S) connection; other transports (a node's tunnel through its host
 * relay) carry the same exchange another way. Implementations are thread-safe and apply their own deadline and
 * response cap to every call.
 */
public interface RpcTransport extends AutoCloseable {
    /**
     * POSTs {@code body} ({@code application/json}).
     *
     * @param method the JSON-RPC method, for errors only
     * @return the body of the 200 answer, at most the transport's cap
     * @throws RpcException {@link RpcError.Transport}, {@link RpcError.Timeout}, {@link RpcError.TooLarge} or
     *     {@link RpcError.HttpStatus}, naming {@link #endpoint()}
     */
    byte[] post(String method, byte[] body) throws RpcException;

    /** The endpoint without path or query (safe to log: provider URLs often carry an API key). */
    String endpoint();

    /** Releases the transport's threads and connections; later calls fail. */
    @Override
    void close();

    /** The redacted form of an http(s) URL: scheme, host and port. */
    static String redact(java.net.URI endpoint) {
        return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() >= 0 ? ":" + endpoint.getPort() : "");
    }

    /**
     * Checks that {@code endpoint} is an http(s) URL with a host.
     *
     * @throws IllegalArgumentException naming the scheme found
     */
    static void requireHttp(java.net.URI endpoint) {
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("the RPC endpoint must be an http:// or https:// URL with a host, got scheme " + scheme);
        }
    }
}
