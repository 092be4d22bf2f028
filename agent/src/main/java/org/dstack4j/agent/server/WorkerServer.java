package org.dstack4j.agent.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.dstack4j.agent.api.GuestApi;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The external listener (dstack's "Worker" port, reachable by anyone who can route to the CVM), over
 * HTTP/1.1 on TCP. {@code /prpc/*} is the Worker API: {@code /prpc/Worker.<Method>}, {@code /prpc/<Method>}
 * and {@code /prpc/v0/<Method>} the frozen v0.5.11 Worker (Info with TCB details blanked unless
 * {@code public_tcbinfo}, Version, GetAttestationForAppKey), {@code /prpc/v1/<Method>} the v1 Worker (Info,
 * Version, Health). No key material is served here.
 *
 * <p>Other routes (dstack serves the CVM's dashboard {@code GET /}, {@code /logs/…} and {@code /metrics} on
 * this listener) are added through {@code pages}: each path spec maps to its own Jetty handler, beside
 * {@code /prpc/*}; everything else is a plain 404.
 */
public final class WorkerServer implements AutoCloseable {

    /**
     * @param host            address to bind, e.g. {@code 127.0.0.1} (tests) or {@code 0.0.0.0}
     * @param port            TCP port, 0 for any free port
     * @param idleTimeout     idle connections are closed after this
     * @param maxBodyBytes    request body cap in bytes
     * @param maxConnections  most open connections; over it the connection idle the longest is closed
     * @param requestDeadline a new connection must send a complete request, and a request its body, within this
     */
    public record Config(String host, int port, Duration idleTimeout, int maxBodyBytes, int maxConnections,
            Duration requestDeadline) {
        public Config {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535");
            if (host == null || host.isBlank()) throw new IllegalArgumentException("host is required");
        }

        /** {@code HOST:PORT} with the socket defaults of {@link AgentServer.Config}. */
        public static Config parse(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("worker listen address must be HOST:PORT, got '" + hostPort + "'");
            }
            String host = hostPort.substring(0, colon).replaceAll("^\\[|\\]$", "");
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("worker listen port must be a number 0..65535, got '"
                        + hostPort.substring(colon + 1) + "'");
            }
            return new Config(host, port, AgentServer.Config.DEFAULT_IDLE_TIMEOUT, AgentServer.Config.DEFAULT_MAX_BODY_BYTES,
                    AgentServer.Config.DEFAULT_MAX_CONNECTIONS, AgentServer.Config.DEFAULT_REQUEST_DEADLINE);
        }
    }

    private final Server server;
    private final ServerConnector connector;

    private WorkerServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Binds and serves.
     *
     * @param pages extra routes: servlet-style path spec (e.g. {@code "/"}, {@code "/logs/*"}) → handler;
     *              {@code /prpc/*} is taken by the Worker API
     * @throws AgentServerException if binding fails
     */
    public static WorkerServer start(Config config, GuestApi api, Map<String, Handler> pages) throws AgentServerException {
        if (pages.keySet().stream().anyMatch(k -> k.startsWith("/prpc"))) {
            throw new IllegalArgumentException("/prpc is the Worker API; pages must live elsewhere");
        }
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("dstack4j-worker");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        connector.addBean(new ConnectionGuard(config.maxConnections(), config.requestDeadline(), connector.getScheduler()));
        server.addConnector(connector);
        PathMappingsHandler mappings = new PathMappingsHandler();
        GuestApiHandler workerApi = new GuestApiHandler(api, Routes.worker(), config.maxBodyBytes(),
                config.requestDeadline(), threads);
        mappings.addMapping(PathSpec.from("/prpc/*"), workerApi);
        pages.forEach((spec, handler) -> mappings.addMapping(PathSpec.from(spec), handler));
        if (!pages.containsKey("/")) {
            // unmapped paths: the same plain 404 the API handler gives where nothing is mounted
            mappings.addMapping(PathSpec.from("/"), workerApi);
        }
        server.setHandler(mappings);
        server.setErrorHandler(new PlainErrors());
        server.setStopTimeout(5_000);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // best effort
            }
            throw new AgentServerException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        return new WorkerServer(server, connector);
    }

    /** The bound address (with the actual port when 0 was asked for). */
    public InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    /** Stops serving (waits up to 5 s for requests in flight). Idempotent. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort
        }
    }
}
