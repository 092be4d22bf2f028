package org.dstack4j.sdk.http;

import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty client our unix-socket callers share (cluster key source, host relay client, dashboard engine client):
 * daemon threads (a forgotten close() must not keep the JVM alive), no redirects, connect and idle timeouts, capped
 * response headers. Callers add what is theirs (e.g. connections per destination) before their first request.
 */
public final class JettyClients {
    private JettyClients() {}

    /**
     * A started client.
     *
     * @param name           the thread pool's name (shows in thread dumps)
     * @param maxThreads     the pool's size
     * @param connectTimeout the connect timeout
     * @param idleTimeout    the idle timeout; null leaves Jetty's default (a stream that may stay quiet long bounds
     *                       its silence itself)
     * @param maxHeaderBytes the largest response header block accepted
     * @throws IllegalStateException if the client cannot start
     */
    public static HttpClient start(String name, int maxThreads, Duration connectTimeout, Duration idleTimeout, int maxHeaderBytes) {
        return start(name, maxThreads, connectTimeout, idleTimeout, maxHeaderBytes, null);
    }

    /**
     * As above, over {@code connector} (e.g. one with its own TLS settings; it gets the client's thread pool); null:
     * Jetty's default HTTP/1.1 transport.
     */
    public static HttpClient start(String name, int maxThreads, Duration connectTimeout, Duration idleTimeout, int maxHeaderBytes,
            ClientConnector connector) {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, 1);
        pool.setName(name);
        pool.setDaemon(true);
        HttpClient c;
        if (connector == null) {
            c = new HttpClient();
        } else {
            connector.setExecutor(pool);
            c = new HttpClient(new HttpClientTransportOverHTTP(connector));
        }
        c.setExecutor(pool);
        c.setConnectTimeout(connectTimeout.toMillis());
        if (idleTimeout != null) c.setIdleTimeout(idleTimeout.toMillis());
        c.setFollowRedirects(false);
        c.setMaxResponseHeadersSize(maxHeaderBytes);
        try {
            c.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client " + name + ": " + e.getMessage(), e);
        }
        return c;
    }
}
