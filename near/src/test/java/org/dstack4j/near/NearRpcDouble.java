package org.dstack4j.near;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.dstack4j.attestation.evidence.Base58;

/**
 * A TEST DOUBLE of a NEAR RPC node serving one MPC contract, following NEAR's published JSON-RPC protocol
 * (docs.near.org "RPC API": {@code query} with {@code call_function} and {@code view_access_key}, {@code send_tx}).
 * A real nearcore node with the MPC contract (a sandbox, the contract's wasm and a participant set in TEEs) cannot run
 * here, so this plays it, including its failure modes: a contract panic in either of nearcore's forms, a method the
 * contract lacks, an outage ({@link #down}), a slow answer ({@link #delayMillis}) and an oversized one. Every request is
 * recorded; {@code send_tx} checks the borsh transaction's Ed25519 signature and nonce independently of the client
 * code (its own little-endian reader), decodes the function call, and records it.
 */
public final class NearRpcDouble implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a contract panic is reported: inside {@code result} (nearcore before 1.38 and many providers), or as an error object. */
    public enum PanicStyle { IN_RESULT, ERROR_OBJECT }

    /** A function call received in a valid signed transaction. */
    public record SentCall(String signer, String receiver, long nonce, String method, JsonNode args, long gas) {}

    private final HttpServer server;
    private final Map<String, String> views = new ConcurrentHashMap<>();
    private final Map<String, String> panics = new ConcurrentHashMap<>();
    private final Map<String, Long> nonces = new ConcurrentHashMap<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<SentCall> sent = new CopyOnWriteArrayList<>();
    private final byte[] blockHash = new byte[32];
    public volatile PanicStyle panicStyle = PanicStyle.IN_RESULT;
    public volatile boolean down;
    public volatile long delayMillis;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    public volatile int padAnswerBytes;
    public volatile String failTransactionWith;

    public NearRpcDouble() throws IOException {
        Arrays.fill(blockHash, (byte) 7);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** The view {@code method} answers {@code json}. */
    public NearRpcDouble answer(String method, String json) {
        views.put(method, json);
        panics.remove(method);
        return this;
    }

    /** The view {@code method} panics with {@code message}. */
    public NearRpcDouble panic(String method, String message) {
        panics.put(method, message);
        return this;
    }

    /** {@code account} has access key {@code publicKey} (ed25519:…) at {@code nonce}. */
    public NearRpcDouble accessKey(String account, String publicKey, long nonce) {
        nonces.put(account + "/" + publicKey, nonce);
        return this;
    }

    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    public List<SentCall> sent() {
        return List.copyOf(sent);
    }

    public byte[] blockHash() {
        return blockHash.clone();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (down) {
                ex.sendResponseHeaders(503, -1);
                return;
            }
            if (delayMillis > 0) {
                try {
                    closing.await(delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS); // a long delay ends at close
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            JsonNode req = JSON.readTree(ex.getRequestBody().readNBytes(1 << 20));
            requests.add(req);
            ObjectNode resp = JSON.createObjectNode().put("jsonrpc", "2.0");
            resp.set("id", req.get("id"));
            int status = 200;
            try {
                resp.set("result", dispatch(req.path("method").asText(), req.path("params")));
            } catch (RpcFailure f) {
                ObjectNode err = resp.putObject("error");
                err.put("name", "HANDLER_ERROR");
                err.putObject("cause").put("name", f.name).set("info", f.info);
                err.put("code", -32000).put("message", "Server error");
                status = f.http;
            }
            byte[] body = (resp + " ".repeat(padAnswerBytes)).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
        }
    }

    private static final class RpcFailure extends Exception {
        final String name;
        final JsonNode info;
        final int http;

        RpcFailure(String name, JsonNode info, int http) {
            super(name);
            this.name = name;
            this.info = info;
            this.http = http;
        }
    }

    private JsonNode dispatch(String method, JsonNode params) throws RpcFailure {
        return switch (method) {
            case "query" -> switch (params.path("request_type").asText()) {
                case "call_function" -> callFunction(params);
                case "view_access_key" -> viewAccessKey(params);
                default -> throw new RpcFailure("UNKNOWN_REQUEST_TYPE", JSON.createObjectNode(), 400);
            };
            case "send_tx" -> sendTx(params);
            default -> throw new RpcFailure("METHOD_NOT_FOUND", JSON.createObjectNode(), 400);
        };
    }

    private ObjectNode blockInfo() {
        ObjectNode r = JSON.createObjectNode();
        r.put("block_height", 1000);
        r.put("block_hash", Base58.encode(blockHash));
        return r;
    }

    private JsonNode callFunction(JsonNode p) throws RpcFailure {
        String m = p.path("method_name").asText();
        String panic = panics.get(m);
        String answer = views.get(m);
        String error = panic != null ? "wasm execution failed with error: FunctionCallError(ExecutionError(\"Smart contract panicked: " + panic + "\"))"
                : answer == null ? "wasm execution failed with error: FunctionCallError(MethodResolveError(MethodNotFound))" : null;
        if (error != null) {
            if (panicStyle == PanicStyle.ERROR_OBJECT) {
                throw new RpcFailure("CONTRACT_EXECUTION_ERROR", JSON.createObjectNode().put("vm_error", error), 200);
            }
            ObjectNode r = blockInfo();
            r.put("error", error);
            r.putArray("logs");
            return r;
        }
        ObjectNode r = blockInfo();
        ArrayNode bytes = r.putArray("result");
        for (byte b : answer.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        r.putArray("logs");
        return r;
    }

    private JsonNode viewAccessKey(JsonNode p) throws RpcFailure {
        Long nonce = nonces.get(p.path("account_id").asText() + "/" + p.path("public_key").asText());
        if (nonce == null) throw new RpcFailure("UNKNOWN_ACCESS_KEY", JSON.createObjectNode().put("public_key", p.path("public_key").asText()), 200);
        ObjectNode r = blockInfo();
        r.put("nonce", nonce);
        r.put("permission", "FullAccess");
        return r;
    }

    /** Decodes the borsh SignedTransaction with its own reader, checks signature, nonce and block hash. */
    private JsonNode sendTx(JsonNode p) throws RpcFailure {
        byte[] raw = Base64.getDecoder().decode(p.path("signed_tx_base64").asText());
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        try {
            String signer = str(b);
            if (b.get() != 0) throw invalid("key type");
            byte[] pk = new byte[32];
            b.get(pk);
            long nonce = b.getLong();
            String receiver = str(b);
            byte[] hash = new byte[32];
            b.get(hash);
            if (!Arrays.equals(hash, blockHash)) throw invalid("Expired");
            int actions = b.getInt();
            List<SentCall> calls = new ArrayList<>();
            for (int i = 0; i < actions; i++) {
                if (b.get() != 2) throw invalid("only FunctionCall is expected from a vote");
                String method = str(b);
                byte[] args = new byte[b.getInt()];
                b.get(args);
                long gas = b.getLong();
                b.position(b.position() + 16);
                calls.add(new SentCall(signer, receiver, nonce, method, JSON.readTree(args), gas));
            }
            int txEnd = b.position();
            if (b.get() != 0) throw invalid("signature type");
            byte[] sig = new byte[64];
            b.get(sig);
            if (b.hasRemaining()) throw invalid("trailing bytes");
            byte[] txHash = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(raw, txEnd));
            Ed25519Signer v = new Ed25519Signer();
            v.init(false, new Ed25519PublicKeyParameters(pk, 0));
            v.update(txHash, 0, 32);
            if (!v.verifySignature(sig)) throw invalid("InvalidSignature");
            String key = signer + "/ed25519:" + Base58.encode(pk);
            Long have = nonces.get(key);
            if (have == null) throw invalid("InvalidAccessKeyError");
            if (nonce <= have) throw invalid("InvalidNonce");
            nonces.put(key, nonce);
            sent.addAll(calls);
            ObjectNode r = JSON.createObjectNode();
            ObjectNode status = r.putObject("status");
            if (failTransactionWith != null) {
                status.putObject("Failure").putObject("ActionError").put("kind", failTransactionWith);
            } else {
                status.put("SuccessValue", "");
            }
            r.putObject("transaction").put("hash", Base58.encode(txHash));
            return r;
        } catch (RpcFailure f) {
            throw f;
        } catch (Exception e) {
            throw invalid("malformed transaction: " + e.getClass().getSimpleName());
        }
    }

    private static RpcFailure invalid(String why) {
        return new RpcFailure("INVALID_TRANSACTION", JSON.createObjectNode().put("reason", why), 200);
    }

    private static String str(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }

}
