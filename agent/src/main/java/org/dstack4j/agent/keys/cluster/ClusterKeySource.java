package org.dstack4j.agent.keys.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.agent.keys.KeysUnavailableException;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.sdk.Hex;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Transport;

/**
 * The agent's keys in cluster mode: asked from the cluster node of the same CVM over its app-key socket
 * ({@code cluster node --app-socket}, mode 0600, never mounted into app containers; docs/cluster-apps.md).
 *
 * <ul>
 *   <li>{@code POST /v1/app-keys {"app_id": hex20}} → the app's k256 key (from the cluster's per-app root), the
 *       cluster signer's signature certifying it (dstack's KMS form, so signature chains end in the cluster signer),
 *       the seed of the cluster app CA, and public cluster facts; 503 while the node holds no secret.</li>
 *   <li>{@code POST /v1/attest {"app_id": hex20, "data": hex}} → an EIP-712 attestation by the cluster signer.</li>
 * </ul>
 *
 * <p>Keys are fetched on first use and kept in memory (the per-app root does not change within an epoch); until
 * the node holds the secret every call is refused with the node's reason, and after a refusal the node is not asked
 * again for {@link #FIRST_BACKOFF} (doubling per refusal up to {@link #MAX_BACKOFF}): calls in between get the same
 * reason at once. One caller asks at a time; the others wait for it (at most the deadline). Each call has a deadline and a
 * {@value #MAX_RESPONSE_BYTES}-byte response cap. The node is code of the same measured CVM, so its answers are
 * trusted; only their shape is checked.
 */
public final class ClusterKeySource implements KeySource, AutoCloseable {
    /** Response cap: the answers are a few hundred bytes. */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024;
    /** After a failed fetch the node is not asked again for this long, doubling per failure up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final byte[] appId;
    private final Duration timeout;
    private final HttpClient http;
    private volatile Keys keys;
    private final Duration firstBackoff;
    /** Held while one caller asks the node; a lock, not {@code synchronized}, so a waiting virtual thread is not pinned. */
    private final ReentrantLock fetching = new ReentrantLock();
    private KeysUnavailableException lastFailure; // guarded by fetching
    private long askAgainAt; // System.nanoTime(), guarded by fetching
    private Duration backoff; // guarded by fetching

    /**
     * @param socket  the node's app-key socket
     * @param appId   this CVM's 20-byte app id (the {@code app-id} boot event)
     * @param timeout deadline of one call to the node
     */
    public ClusterKeySource(Path socket, byte[] appId, Duration timeout) {
        this(socket, appId, timeout, FIRST_BACKOFF);
    }

    /** As above; {@code firstBackoff} is the wait after the first failed fetch (tests). */
    ClusterKeySource(Path socket, byte[] appId, Duration timeout, Duration firstBackoff) {
        if (appId.length != 20) {
            throw new IllegalArgumentException("the app id is 20 bytes, got " + appId.length);
        }
        this.socket = socket.toAbsolutePath();
        this.appId = appId.clone();
        this.timeout = timeout;
        this.firstBackoff = firstBackoff;
        this.backoff = firstBackoff;
        this.http = org.dstack4j.sdk.http.JettyClients.start("dstack4j-cluster-keys", 4, timeout, timeout, 8 * 1024);
    }

    @Override
    public Keys keys() throws KeysUnavailableException {
        Keys k = keys;
        if (k != null) return k;
        try {
            if (!fetching.tryLock(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS)) {
                throw new KeysUnavailableException("cluster keys unavailable: another request is still asking the cluster node on "
                        + socket + "; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeysUnavailableException("interrupted while waiting for the cluster keys", e);
        }
        try {
            if (keys != null) return keys;
            long wait = askAgainAt - System.nanoTime();
            if (lastFailure != null && wait > 0) {
                // the node was asked moments ago and refused: say so at once instead of asking again
                throw new KeysUnavailableException(lastFailure.getMessage() + " (asked again in "
                        + TimeUnit.NANOSECONDS.toMillis(wait) + " ms)");
            }
            try {
                keys = fetch();
                lastFailure = null;
                backoff = firstBackoff;
                return keys;
            } catch (KeysUnavailableException e) {
                lastFailure = e;
                askAgainAt = System.nanoTime() + backoff.toNanos();
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                throw e;
            }
        } finally {
            fetching.unlock();
        }
    }

    private Keys fetch() throws KeysUnavailableException {
        JsonNode r = post("/v1/app-keys", JSON.createObjectNode().put("app_id", Hex.encode(appId)));
        byte[] key = field(r, "app_key", 32);
        byte[] caSeed = field(r, "tls_ca_seed", 32);
        try {
            if (!Arrays.equals(field(r, "app_id", 20), appId)) {
                throw new KeysUnavailableException("the cluster node on " + socket + " answered for another app id");
            }
            AppKeys appKeys = new AppKeys(key, field(r, "app_key_signature", 65));
            String cluster = r.path("cluster_id").asText("");
            AppCa ca = AppCa.create(new SeedKdf(Hex.encode(caSeed)),
                    "CN=dstack4j cluster app CA,O=dstack4j cluster " + cluster.replaceAll("[^0-9a-fA-Fx]", ""));
            return new Keys(appKeys, ca);
        } catch (IllegalArgumentException e) {
            throw new KeysUnavailableException("the cluster node on " + socket + " gave unusable keys: " + e.getMessage());
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(caSeed, (byte) 0);
        }
    }

    @Override
    public Optional<ChainAttestor> chainAttestor() {
        return Optional.of(this::attest);
    }

    private ChainAttestation attest(byte[] data) throws KeysUnavailableException {
        JsonNode r = post("/v1/attest", JSON.createObjectNode().put("app_id", Hex.encode(appId)).put("data", Hex.encode(data)));
        try {
            return new ChainAttestation(field(r, "app_id", 32), field(r, "data_hash", 32), field(r, "signature", 65),
                    r.path("signer").asText(), new BigInteger(r.path("chain_id").asText()), r.path("contract").asText());
        } catch (NumberFormatException e) {
            throw new KeysUnavailableException("the cluster node on " + socket + " gave a malformed attestation: chain_id");
        }
    }

    private JsonNode post(String path, ObjectNode body) throws KeysUnavailableException {
        if (!Files.exists(socket)) {
            throw new KeysUnavailableException("cluster keys unavailable: no cluster node serves " + socket
                    + " (not started, or it exited: refused, timed out or stopped); run `dstack4j cluster node … --app-socket "
                    + socket + "` in this CVM");
        }
        try {
            Request req = http.newRequest("http://cluster-node" + path).method("POST").transport(new Transport.TCPUnix(socket))
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .body(new BytesRequestContent("application/json", body.toString().getBytes(StandardCharsets.UTF_8)));
            ContentResponse resp = new CompletableResponseListener(req, MAX_RESPONSE_BYTES).send()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            JsonNode json = JSON.readTree(resp.getContent());
            if (resp.getStatus() != 200) {
                throw new KeysUnavailableException("cluster keys unavailable: the cluster node says "
                        + json.path("error").asText("status " + resp.getStatus()));
            }
            return json;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeysUnavailableException("interrupted while asking the cluster node", e);
        } catch (ExecutionException | TimeoutException | IOException e) {
            throw new KeysUnavailableException("cluster keys unavailable: the cluster node on " + socket
                    + " did not answer (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private KeysUnavailableException malformed(String name, int bytes) {
        return new KeysUnavailableException("the cluster node on " + socket + " answered without a valid " + name
                + " (" + bytes + " bytes of hex)");
    }

    private byte[] field(JsonNode r, String name, int bytes) throws KeysUnavailableException {
        String s = r.path(name).asText("");
        if (s.startsWith("0x")) s = s.substring(2);
        if (s.length() != bytes * 2) throw malformed(name, bytes);
        try {
            return Hex.decode(s);
        } catch (IllegalArgumentException e) {
            throw malformed(name, bytes);
        }
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception ignored) {
            // best effort
        }
    }
}
