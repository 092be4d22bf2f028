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
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.chain.Hex;
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
 * Serves a {@link Relay} over HTTP/1.1 on a unix socket (mode 0660), and nothing else:
 * <ul>
 *   <li>{@code POST /v1/submit} with a {@link ContractCall} JSON body → {@code {"transaction_hash":"0x…","block_number":N}}</li>
 *   <li>{@code POST /v1/collateral} with {@code {"quote":"0x…"}} → dcap-qvl collateral JSON</li>
 *   <li>{@code POST /v1/reboot} with {@code {"reason":"…"}} → {@code {}} (the node asks for a reboot; KubernEthes)</li>
 *   <li>{@code CONNECT host:port} → a byte tunnel to that endpoint, only for the {@code host:port} pairs the operator
 *       allowed (the RPC endpoints the node's compose pins); any other target answers 403, and with none allowed
 *       {@code CONNECT} is refused (405). The node terminates TLS itself, so for https the relay carries ciphertext.</li>
 * </ul>
 * Errors are {@code {"error":"…"}} with 400 (bad body), 404, 405, 413 (body over {@value #MAX_BODY_BYTES} bytes) or
 * 502 (the chain or PCCS refused or failed). Idle connections close after the idle timeout.
 */
public final class RelayServer implements AutoCloseable {
    /** Body cap: a requestJoin carries at most 128 KiB of evidence, hex-encoded, plus the other fields. */
    public static final int MAX_BODY_BYTES = 300 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final UnixJsonServer server;

    private RelayServer(UnixJsonServer server) {
        this.server = server;
    }

    /**
     * Binds {@code socket} and serves.
     *
     * @throws IOException when the path exists and is not a stale socket, or binding fails
     */
    public static RelayServer start(Path socket, Relay relay, Duration idleTimeout) throws IOException {
        return start(socket, relay, idleTimeout, java.util.Set.of());
    }

    /**
     * Binds {@code socket} and serves, tunnelling {@code CONNECT} to the {@code tunnelTargets}.
     *
     * @param tunnelTargets {@code host:port} pairs the node may open a tunnel to (empty: no tunnels)
     * @throws IOException when the path exists and is not a stale socket, or binding fails
     * @throws IllegalArgumentException when a target is not {@code host:port}
     */
    public static RelayServer start(Path socket, Relay relay, Duration idleTimeout, java.util.Set<String> tunnelTargets) throws IOException {
        Handler handler = new RelayHandler(relay);
        if (!tunnelTargets.isEmpty()) {
            // only with a non-empty allowlist: Jetty's ConnectHandler tunnels anywhere when its allowlist is empty
            org.eclipse.jetty.server.handler.ConnectHandler connect = new org.eclipse.jetty.server.handler.ConnectHandler(handler);
            for (String t : tunnelTargets) connect.getWhiteListHosts().add(tunnelTarget(t));
            connect.setConnectTimeout(10_000);
            connect.setIdleTimeout(idleTimeout.toMillis());
            handler = connect;
        }
        return new RelayServer(UnixJsonServer.start(socket, handler, "rw-rw----", idleTimeout, 16,
                "dstack4j-relay", "the relay", "--socket"));
    }

    /**
     * The {@code host:port} a tunnel to {@code endpoint} (an http(s) URL) names: its port, or 443 / 80 by scheme.
     *
     * @throws IllegalArgumentException when it is not an http(s) URL with a host
     */
    public static String tunnelTarget(java.net.URI endpoint) {
        org.dstack4j.chain.rpc.RpcTransport.requireHttp(endpoint);
        int port = endpoint.getPort() >= 0 ? endpoint.getPort() : endpoint.getScheme().equals("https") ? 443 : 80;
        return endpoint.getHost() + ":" + port;
    }

    private static String tunnelTarget(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1 || !hostPort.substring(colon + 1).matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("tunnel target '" + hostPort + "' must be host:port");
        }
        return hostPort;
    }

    /** The absolute socket path. */
    public Path socket() {
        return server.socket();
    }

    /** Blocks until stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        server.close();
    }

    private static final class RelayHandler extends Handler.Abstract {
        private final Relay relay;

        RelayHandler(Relay relay) {
            this.relay = relay;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            if (!"POST".equals(request.getMethod())) {
                return send(response, callback, 405, error("use POST"));
            }
            if (!"/v1/submit".equals(path) && !"/v1/collateral".equals(path) && !"/v1/reboot".equals(path)) {
                return send(response, callback, 404, error("the relay serves only POST /v1/submit, /v1/collateral and /v1/reboot"));
            }
            JsonNode body;
            try {
                byte[] bytes = readCapped(request);
                if (bytes == null) return send(response, callback, 413, error("body over " + MAX_BODY_BYTES + " bytes"));
                body = JSON.readTree(bytes);
            } catch (IOException e) {
                return send(response, callback, 400, error("body is not JSON: " + e.getMessage()));
            }
            try {
                if (path.equals("/v1/submit")) {
                    ContractCall call = ContractCall.fromJson(body);
                    Relay.Submitted s = relay.submit(call);
                    return send(response, callback, 200, JSON.createObjectNode()
                            .put("transaction_hash", Hex.data(s.transactionHash())).put("block_number", s.blockNumber()));
                }
                if (path.equals("/v1/reboot")) {
                    relay.requestReboot(body.path("reason").asText(""));
                    return send(response, callback, 200, JSON.createObjectNode());
                }
                JsonNode q = body.get("quote");
                if (q == null || !q.isTextual()) return send(response, callback, 400, error("field 'quote' must be a hex string"));
                return send(response, callback, 200, CollateralJson.toJsonNode(relay.collateral(Hex.decode(q.asText()))));
            } catch (IllegalArgumentException e) {
                return send(response, callback, 400, error(e.getMessage()));
            } catch (RelayException e) {
                return send(response, callback, 502, error(e.getMessage()));
            }
        }

        private static byte[] readCapped(Request request) throws IOException {
            return UnixJsonServer.readCapped(request, MAX_BODY_BYTES);
        }

        private static ObjectNode error(String message) {
            return UnixJsonServer.error(message);
        }

        private static boolean send(Response response, Callback callback, int status, JsonNode body) {
            return UnixJsonServer.send(response, callback, status, body);
        }
    }
}
