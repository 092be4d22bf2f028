package org.dstack4j.cluster.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small JSON-over-HTTP/1.1 server on a unix socket, shared by the host relay ({@link RelayServer}) and the node's
 * app-key socket ({@code org.dstack4j.cluster.apps.AppKeyServer}): a stale socket is replaced, anything else at
 * the path refused, the socket gets {@code permissions} once bound, idle connections close after the idle timeout.
 */
public final class UnixJsonServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    private final Path socket;

    private UnixJsonServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /**
     * Binds {@code socket} and serves {@code handler}.
     *
     * @param permissions e.g. {@code rw-rw----}
     * @param what        what is served, for errors ("the relay")
     * @param option      the CLI option naming the path, for errors ("--socket")
     * @throws IOException when the path exists and is not a stale socket, or binding fails
     */
    public static UnixJsonServer start(Path socket, Handler handler, String permissions, Duration idleTimeout, int maxThreads,
            String threadName, String what, String option) throws IOException {
        Path path = socket.toAbsolutePath();
        if (Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path)) {
            Files.delete(path); // a stale socket of an earlier run
        } else if (Files.exists(path)) {
            throw new IOException(path + " exists and is not a socket; choose another " + option);
        }
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 1);
        threads.setName(threadName);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        UnixDomainServerConnector c = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        c.setUnixDomainPath(path);
        c.setIdleTimeout(idleTimeout.toMillis());
        server.addConnector(c);
        server.setHandler(handler);
        server.setStopTimeout(3_000);
        try {
            server.start();
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // best effort
            }
            throw new IOException("cannot serve " + what + " on " + path + ": " + e.getMessage(), e);
        }
        return new UnixJsonServer(server, path);
    }

    /** The absolute socket path. */
    public Path socket() {
        return socket;
    }

    /** Blocks until stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception ignored) {
            // best effort
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** The request body, or null when it is over {@code cap} bytes. */
    public static byte[] readCapped(Request request, int cap) throws IOException {
        if (request.getLength() > cap) return null;
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] b = in.readNBytes(cap + 1);
            return b.length > cap ? null : b;
        }
    }

    /** {@code {"error": message}}. */
    public static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    /** Answers {@code status} with a JSON body; always true (the request is handled). */
    public static boolean send(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body.toString().getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
