package org.dstack4j.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.JoinRequest;
import org.dstack4j.cluster.seal.OnboardSeal;
import org.dstack4j.cluster.seal.SealContext;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * A hostile JSON-RPC endpoint on loopback: a real HTTP proxy in front of anvil that forwards every call and rewrites
 * the answers it is told to ({@link Lie}): policy reads ({@code isAllowed}), the {@code Onboarded} event's sealed
 * secret, the cluster keys, hidden {@code JoinRequested} logs, or an outage (HTTP 503). With no lie it is an honest
 * second endpoint. Test-only; nodes reach it through their {@code --rpc}.
 */
final class LyingRpc implements AutoCloseable {
    enum Lie {
        /** {@code isAllowed(kind, value)} answers true for everything. */
        ALLOW_ALL,
        /** {@code isAllowed} answers false for everything. */
        DENY_ALL,
        /** {@code eth_getLogs} drops {@code JoinRequested} logs. */
        HIDE_REQUESTS,
        /** The {@code Onboarded} event's sealed secret has one byte flipped (another ciphertext). */
        SWAP_SEALED,
        /** The {@code Onboarded} event carries another secret, sealed correctly to the newcomer's key for its request. */
        WRONG_SECRET,
        /** {@code clusterSigner()} / {@code clusterEncKey()} answer the keys of {@link #WRONG_SECRET}'s secret. */
        WRONG_KEYS,
        /** Every call but {@code eth_chainId} gets HTTP 503 for {@link #OUTAGE_MS} from the first such call. */
        OUTAGE
    }

    static final long OUTAGE_MS = 4_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI upstream;
    private final JsonRpcClient upstreamRpc;
    private final ClusterContract contract;
    private final ClusterRef ref;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Set<Lie> lies = new CopyOnWriteArraySet<>();
    private final Set<String> told = new CopyOnWriteArraySet<>();
    private final ClusterSecret wrong = ClusterSecret.generate(new SecureRandom());
    private volatile long outageFrom = -1;

    LyingRpc(URI upstream, JsonRpcClient upstreamRpc, ClusterContract contract, ClusterRef ref, Lie... lies) throws IOException {
        this.upstream = upstream;
        this.upstreamRpc = upstreamRpc;
        this.contract = contract;
        this.ref = ref;
        this.lies.addAll(lies.length == 0 ? Set.of() : EnumSet.of(lies[0], lies));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void set(Lie... now) {
        lies.clear();
        lies.addAll(Set.of(now));
    }

    /** Which lies were actually told (a rewritten answer was sent). */
    Set<String> told() {
        return told;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readNBytes(1 << 20);
            JsonNode req = JSON.readTree(body);
            String method = req.path("method").asText();
            if (lies.contains(Lie.OUTAGE) && !method.equals("eth_chainId")) {
                if (outageFrom < 0) outageFrom = System.nanoTime();
                if (System.nanoTime() - outageFrom < OUTAGE_MS * 1_000_000) {
                    told.add("OUTAGE");
                    ex.sendResponseHeaders(503, -1);
                    return;
                }
            }
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(upstream).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            byte[] answer = r.body();
            if (r.statusCode() == 200 && !lies.isEmpty()) answer = rewrite(method, req, JSON.readTree(answer));
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.sendResponseHeaders(r.statusCode(), answer.length);
            ex.getResponseBody().write(answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            ex.sendResponseHeaders(502, -1);
        }
    }

    private byte[] rewrite(String method, JsonNode req, JsonNode resp) throws Exception {
        if (!(resp instanceof ObjectNode o) || !o.has("result")) return JSON.writeValueAsBytes(resp);
        if (method.equals("eth_call")) {
            String data = req.path("params").path(0).path("data").asText(req.path("params").path(0).path("input").asText());
            if (data.startsWith(selector("isAllowed"))) {
                if (lies.contains(Lie.ALLOW_ALL)) o.put("result", word(1, "ALLOW_ALL"));
                if (lies.contains(Lie.DENY_ALL)) o.put("result", word(0, "DENY_ALL"));
            } else if (lies.contains(Lie.WRONG_KEYS) && data.startsWith(selector("clusterSigner"))) {
                told.add("WRONG_KEYS");
                o.put("result", "0x" + "00".repeat(12) + wrongKeys().signer().toLowerHex().substring(2));
            } else if (lies.contains(Lie.WRONG_KEYS) && data.startsWith(selector("clusterEncKey"))) {
                told.add("WRONG_KEYS");
                o.put("result", Hex.data(wrongKeys().encKey()));
            }
        } else if (method.equals("eth_getLogs") && o.get("result").isArray()) {
            ArrayNode out = JSON.createArrayNode();
            for (JsonNode log : o.get("result")) {
                String topic0 = log.path("topics").path(0).asText();
                if (lies.contains(Lie.HIDE_REQUESTS) && topic0.equalsIgnoreCase(Hex.data(contract.artifact().topic("JoinRequested")))) {
                    told.add("HIDE_REQUESTS");
                    continue;
                }
                if (topic0.equalsIgnoreCase(Hex.data(contract.artifact().topic("Onboarded")))
                        && (lies.contains(Lie.SWAP_SEALED) || lies.contains(Lie.WRONG_SECRET))) {
                    ObjectNode l = ((ObjectNode) log).deepCopy();
                    BigInteger id = new BigInteger(1, Hex.decode(log.path("topics").path(1).asText()));
                    l.put("data", bytesData(lies.contains(Lie.WRONG_SECRET) ? wrongSealed(id) : flipped(log.path("data").asText())));
                    told.add(lies.contains(Lie.WRONG_SECRET) ? "WRONG_SECRET" : "SWAP_SEALED");
                    out.add(l);
                    continue;
                }
                out.add(log);
            }
            o.set("result", out);
        }
        return JSON.writeValueAsBytes(o);
    }

    private String word(int v, String lie) {
        told.add(lie);
        return "0x" + "00".repeat(31) + String.format("%02x", v);
    }

    private String selector(String fn) {
        return Hex.data(contract.artifact().function(fn).selector());
    }

    private ClusterPublicKeys wrongKeys() {
        return KeyDerivation.of(wrong, ref).publicKeys();
    }

    /** Another secret sealed to the newcomer's key for this request (HPKE info and aad as the protocol says). */
    private byte[] wrongSealed(BigInteger id) throws Exception {
        JoinRequest r = contract.reads(ChainView.pin(upstreamRpc, 0)).request(id);
        return OnboardSeal.seal(wrong, r.encKey(), new SealContext(ref, id, 1, r.evidenceHash()));
    }

    /** The sealed bytes of an {@code Onboarded} data field with one ciphertext byte flipped. */
    private static byte[] flipped(String data) {
        byte[] d = Hex.decode(data);
        int len = new BigInteger(1, java.util.Arrays.copyOfRange(d, 32, 64)).intValueExact();
        byte[] sealed = java.util.Arrays.copyOfRange(d, 64, 64 + len);
        sealed[40] ^= 1;
        return sealed;
    }

    /** {@code abi.encode(bytes)}. */
    private static String bytesData(byte[] b) {
        int padded = (b.length + 31) / 32 * 32;
        return "0x" + "00".repeat(31) + "20" + String.format("%064x", b.length) + HexFormat.of().formatHex(b) + "00".repeat(padded - b.length);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        wrong.destroy();
    }
}
