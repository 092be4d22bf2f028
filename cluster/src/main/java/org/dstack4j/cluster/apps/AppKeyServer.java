package org.dstack4j.cluster.apps;

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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.dstack4j.chain.Hex;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.relay.UnixJsonServer;
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
 * The node's app-key socket inside the CVM (mode 0600: only the agent's user; never mounted into app containers),
 * which a cluster-mode agent ({@code dstack4j agent --cluster-keys SOCKET}) asks for its keys. Serves only this
 * CVM's own app id:
 * <ul>
 *   <li>{@code POST /v1/app-keys {"app_id": hex20}} → {@code {"app_id", "app_key", "app_key_signature",
 *       "tls_ca_seed", "signer", "chain_id", "contract", "cluster_id"}} ({@link AppGrant});</li>
 *   <li>{@code POST /v1/attest {"app_id": hex20, "data": hex}} → {@code {"app_id" (32 bytes), "data_hash",
 *       "signature", "signer", "chain_id", "contract"}} ({@link AppAttestation}).</li>
 * </ul>
 * Errors are {@code {"error": …}}: 400 bad body, 403 another app id, 404/405, 413 over {@value #MAX_BODY_BYTES}
 * bytes, 503 while the node holds no secret (not a member yet, refused, or stopped).
 */
public final class AppKeyServer implements AutoCloseable {
    /** Body cap: 16 KiB of data as hex plus the app id. */
    public static final int MAX_BODY_BYTES = 40 * 1024;
    /** Largest attested data, bytes (the agent's payload cap). */
    public static final int MAX_DATA_BYTES = 16 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final UnixJsonServer server;

    private AppKeyServer(UnixJsonServer server) {
        this.server = server;
    }

    /**
     * Binds {@code socket} (mode 0600) and serves keys for {@code ownAppId} from {@code secret}.
     *
     * @throws IOException when the path exists and is not a stale socket, or binding fails
     */
    public static AppKeyServer start(Path socket, DerivationSource secret, ClusterRef cluster, byte[] ownAppId,
            Duration idleTimeout) throws IOException {
        if (ownAppId.length != 20) throw new IllegalArgumentException("an app id is 20 bytes, got " + ownAppId.length);
        return new AppKeyServer(UnixJsonServer.start(socket, new Keys(secret, cluster, ownAppId.clone()), "rw-------",
                idleTimeout, 8, "dstack4j-app-keys", "app keys", "--app-socket"));
    }

    /** The absolute socket path. */
    public Path socket() {
        return server.socket();
    }

    @Override
    public void close() {
        server.close();
    }

    private static final class Keys extends Handler.Abstract {
        private final DerivationSource secret;
        private final ClusterRef cluster;
        private final byte[] appId;

        Keys(DerivationSource secret, ClusterRef cluster, byte[] appId) {
            this.secret = secret;
            this.cluster = cluster;
            this.appId = appId;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            if (!"POST".equals(request.getMethod())) return send(response, callback, 405, error("use POST"));
            if (!"/v1/app-keys".equals(path) && !"/v1/attest".equals(path)) {
                return send(response, callback, 404, error("served: POST /v1/app-keys and POST /v1/attest"));
            }
            JsonNode body;
            try {
                byte[] b = UnixJsonServer.readCapped(request, MAX_BODY_BYTES);
                if (b == null) return send(response, callback, 413, error("body over " + MAX_BODY_BYTES + " bytes"));
                body = JSON.readTree(b);
            } catch (IOException e) {
                return send(response, callback, 400, error("body is not JSON"));
            }
            byte[] asked;
            byte[] data;
            try {
                asked = Hex.decode(body.path("app_id").asText(""), 20, "app_id");
                data = path.equals("/v1/attest") ? Hex.decode(body.path("data").asText("")) : new byte[0];
            } catch (IllegalArgumentException e) {
                return send(response, callback, 400, error(e.getMessage()));
            }
            if (!Arrays.equals(asked, appId)) {
                return send(response, callback, 403, error("this node serves keys only for its own app 0x" + HexFormat.of().formatHex(appId)));
            }
            if (data.length > MAX_DATA_BYTES) return send(response, callback, 413, error("data over " + MAX_DATA_BYTES + " bytes"));
            Optional<ObjectNode> out;
            try {
                out = path.equals("/v1/app-keys") ? secret.withDerivation(kd -> grantJson(AppGrant.derive(kd, cluster, appId)))
                        : secret.withDerivation(kd -> attestationJson(AppAttestation.sign(kd, cluster, appId, data)));
            } catch (IllegalStateException e) {
                return send(response, callback, 500, error(e.getMessage()));
            }
            return out.map(o -> send(response, callback, 200, o)).orElseGet(() -> send(response, callback, 503,
                    error("this cluster node holds no cluster secret: it is not a member (not joined yet, refused, or removed)")));
        }

        private static ObjectNode grantJson(AppGrant g) {
            try {
                ObjectNode o = JSON.createObjectNode().put("app_id", Hex.data(g.appId())).put("app_key", Hex.data(g.appKey()))
                        .put("app_key_signature", Hex.data(g.appKeySignature())).put("tls_ca_seed", Hex.data(g.tlsCaSeed()));
                return common(o, g.signer().toString(), g.cluster()).put("cluster_id", Hex.data(g.cluster().clusterId()));
            } finally {
                g.destroy();
            }
        }

        private static ObjectNode attestationJson(AppAttestation a) {
            ObjectNode o = JSON.createObjectNode().put("app_id", Hex.data(a.appId32())).put("data_hash", Hex.data(a.dataHash()))
                    .put("signature", Hex.data(a.signature()));
            return common(o, a.signer().toString(), a.cluster());
        }

        private static ObjectNode common(ObjectNode o, String signer, ClusterRef c) {
            return o.put("signer", signer).put("chain_id", Long.toString(c.chainId())).put("contract", c.contract().toString());
        }

        private static ObjectNode error(String message) {
            return UnixJsonServer.error(message);
        }

        private static boolean send(Response response, Callback callback, int status, JsonNode body) {
            return UnixJsonServer.send(response, callback, status, body);
        }
    }
}
