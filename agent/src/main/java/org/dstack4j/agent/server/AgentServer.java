package org.dstack4j.agent.server;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import org.dstack4j.agent.api.GuestApi;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Serves the dstack guest API (or the legacy Tappd service) over HTTP/1.1 on a unix domain socket (Jetty core handlers). The socket
 * is bound in a private 0700 directory and appears at its path only with its mode set, so no other
 * user can connect at any moment, whatever the umask.
 * {@link #close()} stops the server and removes the socket.
 */
public final class AgentServer implements AutoCloseable {

    /**
     * @param socketPath   unix socket path (at most 107 bytes)
     * @param socketMode   permission bits of the socket, set before it appears at {@code socketPath}
     * @param idleTimeout  idle connections are closed after this
     * @param maxBodyBytes request body cap in bytes
     * @param maxConnections most open connections; over it the connection idle the longest is closed
     * @param requestDeadline a new connection must send a complete request, and a request its whole
     *                        body, within this
     */
    public record Config(Path socketPath, Set<PosixFilePermission> socketMode, Duration idleTimeout,
            int maxBodyBytes, int maxConnections, Duration requestDeadline) {
        /** Default socket mode 0660: owner and group (the app containers) may connect. */
        public static final Set<PosixFilePermission> DEFAULT_MODE = PosixFilePermissions.fromString("rw-rw----");
        /** Default body cap: 64 KiB. */
        public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
        /** Default idle timeout: 30 s. */
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
        /** Default connection cap: 256 (a CVM has a handful of legitimate clients). */
        public static final int DEFAULT_MAX_CONNECTIONS = 256;
        /** Default request deadline: 10 s (a request to a local socket takes milliseconds to send). */
        public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(10);

        public Config {
            socketMode = Set.copyOf(socketMode);
            if (maxBodyBytes < 1 || maxConnections < 1 || !isPositive(idleTimeout) || !isPositive(requestDeadline)) {
                throw new IllegalArgumentException(
                        "maxBodyBytes, maxConnections, idleTimeout and requestDeadline must be positive");
            }
        }

        private static boolean isPositive(Duration d) {
            return !d.isNegative() && !d.isZero();
        }

        /** Defaults (mode 0660, 30 s idle timeout, 64 KiB bodies, 256 connections, 10 s deadline) for a socket path. */
        public static Config of(Path socketPath) {
            return of(socketPath, DEFAULT_MODE);
        }

        /** Defaults with the given socket mode. */
        public static Config of(Path socketPath, Set<PosixFilePermission> socketMode) {
            return new Config(socketPath, socketMode, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
                    DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_DEADLINE);
        }
    }

    private final Server server;
    private final Path socketPath;

    private AgentServer(Server server, Path socketPath) {
        this.server = server;
        this.socketPath = socketPath;
    }

    /**
     * Binds the socket and serves the guest API on it ({@code /M} and {@code /v0/M}: v0; {@code /v1/M}: v1).
     *
     * @throws AgentServerException if the path is taken by a file or a live socket, or binding fails
     */
    public static AgentServer start(Config config, GuestApi api) throws AgentServerException {
        return start(config, api, Routes.internal());
    }

    /**
     * Binds the socket and serves the legacy Tappd service on it ({@code /prpc/Tappd.<Method>}), as
     * dstack serves it on {@code tappd.sock}.
     *
     * @throws AgentServerException if the path is taken by a file or a live socket, or binding fails
     */
    public static AgentServer startTappd(Config config, GuestApi api) throws AgentServerException {
        return start(config, api, Routes.tappd());
    }

    private static AgentServer start(Config config, GuestApi api, Routes routes) throws AgentServerException {
        Path path = config.socketPath().toAbsolutePath();
        SocketFile.claim(path);
        // bound in a private 0700 directory, moved to the real path once its mode is set (see SocketFile)
        Path bindPath = SocketFile.privateBindPath(path);
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("dstack4j-agent");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        connector.setUnixDomainPath(bindPath);
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        connector.addBean(new ConnectionGuard(config.maxConnections(), config.requestDeadline(),
                connector.getScheduler()));
        server.addConnector(connector);
        server.setHandler(new GuestApiHandler(api, routes, config.maxBodyBytes(), config.requestDeadline(), threads));
        server.setStopTimeout(5_000);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            SocketFile.removePrivateDir(bindPath);
            throw new AgentServerException("cannot serve on " + path + ": " + e.getMessage(), e);
        }
        try {
            SocketFile.setMode(bindPath, config.socketMode());
            SocketFile.publish(bindPath, path);
        } catch (AgentServerException e) {
            stopQuietly(server);
            SocketFile.removePrivateDir(bindPath);
            SocketFile.release(path);
            throw e;
        }
        return new AgentServer(server, path);
    }

    /** The absolute socket path. */
    public Path socketPath() {
        return socketPath;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops serving (waits up to 5 s for requests in flight) and removes the socket. Idempotent. */
    @Override
    public void close() {
        stopQuietly(server);
        SocketFile.release(socketPath);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort; the socket is removed by the caller
        }
    }
}
