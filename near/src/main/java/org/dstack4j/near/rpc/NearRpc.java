package org.dstack4j.near.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import org.dstack4j.attestation.evidence.Base58;
import org.dstack4j.near.tx.SignedTransaction;
import org.dstack4j.sdk.http.BoundedExchange;

/**
 * A client of NEAR's JSON-RPC (docs.near.org "RPC API"): {@code query} ({@code call_function},
 * {@code view_access_key}), {@code block} and {@code send_tx}, over HTTP(S) with the JDK client. Every call has one
 * deadline (connect, headers and body) and a cap on the answer's size; every failure is a {@link NearRpcException}.
 * Views read at {@code "finality": "final"}. Thread-safe.
 */
public final class NearRpc implements AutoCloseable {
    /** Deadline of one call unless given: 10 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Answer cap unless given: 8 MiB (a {@code state()} of many participants, an attestation). */
    public static final long DEFAULT_MAX_RESPONSE = 8L << 20;
    /** Deadline of {@code send_tx}, which waits for the transaction to be final: 60 s. */
    public static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String redacted;
    private final Duration timeout;
    private final long maxResponse;
    private final HttpClient http;
    private final AtomicLong ids = new AtomicLong();

    /**
     * @throws IllegalArgumentException when the URL is not http(s) with a host, or a limit is not positive
     */
    public NearRpc(URI endpoint, Duration timeout, long maxResponseBytes) {
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("--near-rpc must be an http:// or https:// URL with a host");
        }
        if (timeout.isNegative() || timeout.isZero() || maxResponseBytes <= 0) {
            throw new IllegalArgumentException("the RPC timeout and answer cap must be positive");
        }
        this.endpoint = endpoint;
        // userinfo, path and query may carry an API key: never printed
        this.redacted = scheme + "://" + endpoint.getHost() + (endpoint.getPort() >= 0 ? ":" + endpoint.getPort() : "");
        this.timeout = timeout;
        this.maxResponse = maxResponseBytes;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public NearRpc(URI endpoint) {
        this(endpoint, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE);
    }

    /** The endpoint's scheme, host and port (safe to print). */
    public String endpoint() {
        return redacted;
    }

    @Override
    public void close() {
        // close() would wait for exchanges still running past their deadline (a trickling server); end them
        http.shutdownNow();
    }

    /**
     * Calls a view method: {@code query} with {@code request_type: call_function}, {@code args_base64}.
     *
     * @param argsJson the method's arguments, UTF-8 JSON ({@code {}} for none)
     * @return the bytes the method returned (for the MPC contract: UTF-8 JSON)
     * @throws NearRpcException {@link NearError.ContractError} when the contract panicked or has no such method — both
     *                          the older form (an {@code error} string inside {@code result}) and the newer one (a
     *                          JSON-RPC error whose cause is {@code CONTRACT_EXECUTION_ERROR}) — or a transport error
     */
    public byte[] viewFunction(String contract, String method, byte[] argsJson) throws NearRpcException {
        ObjectNode p = JSON.createObjectNode();
        p.put("request_type", "call_function");
        p.put("finality", "final");
        p.put("account_id", contract);
        p.put("method_name", method);
        p.put("args_base64", Base64.getEncoder().encodeToString(argsJson));
        String call = "view " + method;
        JsonNode r;
        try {
            r = call("query", p, call, timeout);
        } catch (NearRpcException e) {
            if (e.error() instanceof NearError.Remote remote && remote.name().equals("CONTRACT_EXECUTION_ERROR")) {
                throw new NearRpcException(new NearError.ContractError(contract, method, remote.message()));
            }
            throw e;
        }
        if (r.hasNonNull("error")) {
            throw new NearRpcException(new NearError.ContractError(contract, method, r.get("error").asText()));
        }
        JsonNode bytes = r.get("result");
        if (bytes == null || !bytes.isArray()) throw malformed(call, "result.result is not an array of bytes");
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode b = bytes.get(i);
            if (!b.canConvertToInt() || b.asInt() < 0 || b.asInt() > 255) throw malformed(call, "result.result[" + i + "] is not a byte");
            out[i] = (byte) b.asInt();
        }
        return out;
    }

    /** {@code query} {@code view_access_key} at final finality. */
    public AccessKey accessKey(String account, String publicKeyText) throws NearRpcException {
        ObjectNode p = JSON.createObjectNode();
        p.put("request_type", "view_access_key");
        p.put("finality", "final");
        p.put("account_id", account);
        p.put("public_key", publicKeyText);
        String call = "view_access_key " + account;
        JsonNode r = call("query", p, call, timeout);
        if (r.hasNonNull("error")) {
            throw new NearRpcException(new NearError.Remote(redacted, call, "UNKNOWN_ACCESS_KEY", r.get("error").asText()));
        }
        if (!r.path("nonce").canConvertToLong()) throw malformed(call, "no nonce");
        return new AccessKey(r.get("nonce").asLong(), hash32(call, r.path("block_hash").asText()));
    }

    /**
     * {@code send_tx} with {@code wait_until: FINAL}; returns the transaction's hash once it executed successfully.
     *
     * @throws NearRpcException {@link NearError.TransactionFailed} when its outcome is a {@code Failure}
     */
    public String sendTransaction(SignedTransaction tx, String what) throws NearRpcException {
        ObjectNode p = JSON.createObjectNode();
        p.put("signed_tx_base64", Base64.getEncoder().encodeToString(tx.borsh()));
        p.put("wait_until", "FINAL");
        String hash = Base58.encode(tx.transaction().hash());
        JsonNode r = call("send_tx", p, "send_tx " + what, SEND_TIMEOUT);
        JsonNode failure = r.path("status").get("Failure");
        if (failure != null) throw new NearRpcException(new NearError.TransactionFailed(hash, what, failure.toString()));
        if (!r.path("status").has("SuccessValue")) throw malformed("send_tx " + what, "status is neither SuccessValue nor Failure");
        return hash;
    }

    private byte[] hash32(String call, String b58) throws NearRpcException {
        try {
            byte[] h = Base58.decode(b58);
            if (h.length == 32) return h;
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw malformed(call, "block_hash is not a 32-byte base58 hash");
    }

    /** One JSON-RPC call; returns {@code result}. */
    JsonNode call(String method, JsonNode params, String call, Duration deadline) throws NearRpcException {
        String id = Long.toString(ids.incrementAndGet());
        ObjectNode req = JSON.createObjectNode();
        req.put("jsonrpc", "2.0");
        req.put("id", id);
        req.put("method", method);
        req.set("params", params);
        HttpRequest httpReq = HttpRequest.newBuilder(endpoint).timeout(deadline)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toString())).build();
        // the body is read inside the same deadline: a node that trickles its answer is cut off too
        byte[] body;
        int status;
        switch (BoundedExchange.send(http, httpReq, deadline, maxResponse)) {
            case BoundedExchange.Outcome.Answer a -> {
                body = a.body();
                status = a.status();
            }
            case BoundedExchange.Outcome.TooLarge t -> throw new NearRpcException(new NearError.TooLarge(redacted, call, maxResponse));
            case BoundedExchange.Outcome.TimedOut t -> throw new NearRpcException(new NearError.Timeout(redacted, call, deadline));
            case BoundedExchange.Outcome.Failed x -> throw new NearRpcException(new NearError.Transport(redacted, call, x.reason()));
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            if (status != 200) throw new NearRpcException(new NearError.HttpStatus(redacted, call, status));
            throw malformed(call, "not JSON");
        }
        if (root == null || !root.isObject()) {
            if (status != 200) throw new NearRpcException(new NearError.HttpStatus(redacted, call, status));
            throw malformed(call, "not a JSON object");
        }
        JsonNode err = root.get("error");
        // nearcore answers errors with HTTP 200, 400 or 500 and a JSON-RPC error object: the object says more
        if (err != null && !err.isNull()) {
            String name = err.path("cause").path("name").asText(err.path("name").asText("ERROR"));
            JsonNode info = err.path("cause").path("info");
            String message = info.isMissingNode() || info.isEmpty() ? err.path("data").asText(err.path("message").asText(""))
                    : info.has("vm_error") ? info.get("vm_error").asText() : info.toString();
            if (message.length() > 500) message = message.substring(0, 500) + "...";
            throw new NearRpcException(new NearError.Remote(redacted, call, name, message));
        }
        if (status != 200) throw new NearRpcException(new NearError.HttpStatus(redacted, call, status));
        if (!id.equals(root.path("id").asText())) throw malformed(call, "the id does not match the request");
        JsonNode result = root.get("result");
        if (result == null || !result.isObject()) throw malformed(call, "no result object");
        return result;
    }

    private NearRpcException malformed(String call, String reason) {
        return new NearRpcException(new NearError.Malformed(redacted, call, reason));
    }
}
