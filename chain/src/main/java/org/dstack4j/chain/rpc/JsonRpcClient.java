package org.dstack4j.chain.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;

/**
 * An Ethereum JSON-RPC 2.0 client over an {@link RpcTransport}: by default a direct HTTP(S) connection
 * ({@link HttpRpcTransport}), in a cluster node a tunnel through its host relay. Every call has one deadline over
 * connect, headers and body, and a cap on the response size (the transport's); every failure is an {@link RpcException}
 * with a typed {@link RpcError}. Thread-safe. {@link #close()} releases the transport's threads.
 */
public final class JsonRpcClient implements AutoCloseable {
    /** Default deadline of one call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Default response cap: 16 MiB (a block of logs with evidence in each). */
    public static final long DEFAULT_MAX_RESPONSE = 16L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RpcTransport transport;
    private final String redacted;
    private final AtomicLong ids = new AtomicLong();

    /**
     * A direct HTTP(S) connection ({@link HttpRpcTransport}).
     *
     * @param endpoint http or https URL of the node
     * @param timeout deadline of each call (connect + headers + body)
     * @param maxResponseBytes cap on a response body
     * @throws IllegalArgumentException when the URL is not http(s) or the limits are not positive
     */
    public JsonRpcClient(URI endpoint, Duration timeout, long maxResponseBytes) {
        this(new HttpRpcTransport(endpoint, timeout, maxResponseBytes));
    }

    /** With {@link #DEFAULT_TIMEOUT} and {@link #DEFAULT_MAX_RESPONSE}. */
    public JsonRpcClient(URI endpoint) {
        this(endpoint, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE);
    }

    /** Over {@code transport} (which owns the deadline and the response cap); {@link #close()} closes it. */
    public JsonRpcClient(RpcTransport transport) {
        this.transport = java.util.Objects.requireNonNull(transport, "transport");
        this.redacted = transport.endpoint();
    }

    /** Closes the transport at once; later calls fail with a transport error. */
    @Override
    public void close() {
        transport.close();
    }

    /** The endpoint without path or query (safe to log). */
    public String endpoint() {
        return redacted;
    }

    /**
     * One call; returns the {@code result} member (may be JSON null).
     *
     * @param params positional parameters; Strings, numbers, Maps, Lists and JsonNodes
     */
    public JsonNode call(String method, Object... params) throws RpcException {
        long id = ids.incrementAndGet();
        ObjectNode req = JSON.createObjectNode();
        req.put("jsonrpc", "2.0");
        req.put("id", id);
        req.put("method", method);
        req.set("params", JSON.valueToTree(params));
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(req);
        } catch (IOException e) {
            throw new IllegalArgumentException("parameters of " + method + " are not JSON-serialisable", e);
        }
        return result(method, id, transport.post(method, body));
    }

    private JsonNode result(String method, long id, byte[] body) throws RpcException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw malformed(method, "not JSON");
        }
        if (root == null || !root.isObject()) {
            throw malformed(method, "not a JSON object");
        }
        if (!"2.0".equals(root.path("jsonrpc").asText()) || !root.path("id").canConvertToLong() || root.path("id").asLong() != id) {
            throw malformed(method, "jsonrpc/id do not match the request");
        }
        JsonNode err = root.get("error");
        if (err != null && !err.isNull()) {
            long code = err.path("code").asLong();
            String message = err.path("message").asText("");
            if (message.length() > 500) {
                message = message.substring(0, 500) + "...";
            }
            Optional<byte[]> data = Optional.empty();
            JsonNode d = err.get("data");
            if (d != null && d.isTextual() && d.asText().startsWith("0x")) {
                try {
                    data = Optional.of(Hex.decode(d.asText()));
                } catch (IllegalArgumentException ignored) {
                    // not revert data; the message says enough
                }
            }
            throw new RpcException(new RpcError.Remote(redacted, method, code, message, data));
        }
        if (!root.has("result")) {
            throw malformed(method, "neither result nor error");
        }
        return root.get("result");
    }

    private RpcException malformed(String method, String reason) {
        return new RpcException(new RpcError.Malformed(redacted, method, reason));
    }

    // ---- typed methods --------------------------------------------------------------------------

    /** {@code eth_chainId}. */
    public BigInteger chainId() throws RpcException {
        return quantity("eth_chainId", call("eth_chainId"));
    }

    /** {@code eth_blockNumber}. */
    public long blockNumber() throws RpcException {
        return longQuantity("eth_blockNumber", call("eth_blockNumber"));
    }

    /** {@code eth_getBlockByNumber} (header only); empty when the node has no such block. */
    public Optional<Block> block(BlockRef ref) throws RpcException {
        JsonNode r = ref instanceof BlockRef.Hash h
                ? call("eth_getBlockByHash", Hex.data(h.hash()), false)
                : call("eth_getBlockByNumber", ref.param(), false);
        if (r == null || r.isNull()) {
            return Optional.empty();
        }
        String m = "eth_getBlockByNumber";
        return Optional.of(new Block(
                longQuantity(m, r.get("number")),
                bytes(m, r.get("hash"), 32),
                bytes(m, r.get("parentHash"), 32),
                longQuantity(m, r.get("timestamp")),
                r.hasNonNull("baseFeePerGas") ? Optional.of(quantity(m, r.get("baseFeePerGas"))) : Optional.empty()));
    }

    /** {@code eth_call} of {@code data} on {@code to}, from {@code from} when given, at {@code at}. */
    public byte[] ethCall(Optional<Address> from, Address to, byte[] data, BlockRef at) throws RpcException {
        ObjectNode tx = JSON.createObjectNode();
        from.ifPresent(f -> tx.put("from", f.toLowerHex()));
        tx.put("to", to.toLowerHex());
        tx.put("data", Hex.data(data));
        return bytes("eth_call", call("eth_call", tx, at.param()), -1);
    }

    /** {@code eth_estimateGas} for a call or (to empty) a deployment. */
    public BigInteger estimateGas(Address from, Optional<Address> to, byte[] data, BigInteger value) throws RpcException {
        ObjectNode tx = JSON.createObjectNode();
        tx.put("from", from.toLowerHex());
        to.ifPresent(t -> tx.put("to", t.toLowerHex()));
        tx.put("data", Hex.data(data));
        tx.put("value", Hex.quantity(value));
        return quantity("eth_estimateGas", call("eth_estimateGas", tx));
    }

    /** {@code eth_gasPrice} (wei). */
    public BigInteger gasPrice() throws RpcException {
        return quantity("eth_gasPrice", call("eth_gasPrice"));
    }

    /** {@code eth_feeHistory} over the last {@code blocks} blocks up to {@code newest}, rewards at {@code percentiles}. */
    public FeeHistory feeHistory(int blocks, BlockRef newest, double... percentiles) throws RpcException {
        String m = "eth_feeHistory";
        JsonNode r = call(m, Hex.quantity(blocks), newest.param(), percentiles);
        if (r == null || !r.isObject()) {
            throw malformed(m, "result is not an object");
        }
        List<BigInteger> base = new ArrayList<>();
        for (JsonNode n : array(m, r.get("baseFeePerGas"))) {
            base.add(quantity(m, n));
        }
        List<List<BigInteger>> reward = new ArrayList<>();
        if (r.hasNonNull("reward")) {
            for (JsonNode row : array(m, r.get("reward"))) {
                List<BigInteger> l = new ArrayList<>();
                for (JsonNode n : array(m, row)) {
                    l.add(quantity(m, n));
                }
                reward.add(l);
            }
        }
        return new FeeHistory(longQuantity(m, r.get("oldestBlock")), base, reward);
    }

    /** {@code eth_getTransactionCount} (the next nonce at {@code at}). */
    public long transactionCount(Address account, BlockRef at) throws RpcException {
        return longQuantity("eth_getTransactionCount", call("eth_getTransactionCount", account.toLowerHex(), at.param()));
    }

    /** {@code eth_sendRawTransaction}; returns the 32-byte transaction hash. */
    public byte[] sendRawTransaction(byte[] signedTx) throws RpcException {
        return bytes("eth_sendRawTransaction", call("eth_sendRawTransaction", Hex.data(signedTx)), 32);
    }

    /** {@code eth_getTransactionReceipt}; empty while not mined. */
    public Optional<Receipt> receipt(byte[] txHash) throws RpcException {
        String m = "eth_getTransactionReceipt";
        JsonNode r = call(m, Hex.data(txHash));
        if (r == null || r.isNull()) {
            return Optional.empty();
        }
        List<Log> logs = new ArrayList<>();
        for (JsonNode l : array(m, r.get("logs"))) {
            logs.add(log(m, l));
        }
        Optional<Address> created = r.hasNonNull("contractAddress")
                ? Optional.of(address(m, r.get("contractAddress"))) : Optional.empty();
        return Optional.of(new Receipt(
                bytes(m, r.get("transactionHash"), 32),
                longQuantity(m, r.get("blockNumber")),
                bytes(m, r.get("blockHash"), 32),
                quantity(m, r.get("status")).equals(BigInteger.ONE),
                quantity(m, r.get("gasUsed")),
                r.hasNonNull("effectiveGasPrice") ? quantity(m, r.get("effectiveGasPrice")) : BigInteger.ZERO,
                created,
                logs));
    }

    /** {@code eth_getLogs} over the filter's inclusive range. */
    public List<Log> logs(LogFilter f) throws RpcException {
        String m = "eth_getLogs";
        ObjectNode q = JSON.createObjectNode();
        q.put("address", f.address().toLowerHex());
        q.put("fromBlock", Hex.quantity(f.fromBlock()));
        q.put("toBlock", Hex.quantity(f.toBlock()));
        ArrayNode topics = q.putArray("topics");
        for (List<byte[]> pos : f.topics()) {
            if (pos.isEmpty()) {
                topics.addNull();
            } else {
                ArrayNode alt = topics.addArray();
                pos.forEach(t -> alt.add(Hex.data(t)));
            }
        }
        List<Log> out = new ArrayList<>();
        for (JsonNode l : array(m, call(m, q))) {
            Log log = log(m, l);
            if (!log.address().equals(f.address()) || log.blockNumber() < f.fromBlock() || log.blockNumber() > f.toBlock()) {
                throw malformed(m, "a log outside the filter (address or block range)");
            }
            out.add(log);
        }
        return out;
    }

    // ---- JSON helpers: every field checked, errors name the method ---------------------------------

    private Log log(String m, JsonNode l) throws RpcException {
        if (l == null || !l.isObject()) {
            throw malformed(m, "a log is not an object");
        }
        List<byte[]> topics = new ArrayList<>();
        for (JsonNode t : array(m, l.get("topics"))) {
            topics.add(bytes(m, t, 32));
        }
        return new Log(address(m, l.get("address")), topics, bytes(m, l.get("data"), -1),
                longQuantity(m, l.get("blockNumber")), bytes(m, l.get("blockHash"), 32),
                bytes(m, l.get("transactionHash"), 32), longQuantity(m, l.get("logIndex")),
                l.path("removed").asBoolean(false));
    }

    private List<JsonNode> array(String m, JsonNode n) throws RpcException {
        if (n == null || !n.isArray()) {
            throw malformed(m, "expected an array");
        }
        List<JsonNode> out = new ArrayList<>(n.size());
        n.forEach(out::add);
        return out;
    }

    private BigInteger quantity(String m, JsonNode n) throws RpcException {
        if (n == null || !n.isTextual()) {
            throw malformed(m, "expected a hex quantity");
        }
        try {
            return Hex.decodeQuantity(n.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(m, "expected a hex quantity");
        }
    }

    private long longQuantity(String m, JsonNode n) throws RpcException {
        BigInteger v = quantity(m, n);
        if (v.bitLength() > 62) {
            throw malformed(m, "quantity out of range");
        }
        return v.longValueExact();
    }

    private byte[] bytes(String m, JsonNode n, int len) throws RpcException {
        if (n == null || !n.isTextual() || !n.asText().startsWith("0x")) {
            throw malformed(m, "expected 0x hex data");
        }
        byte[] b;
        try {
            b = Hex.decode(n.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(m, "expected 0x hex data");
        }
        if (len >= 0 && b.length != len) {
            throw malformed(m, "expected " + len + " bytes, got " + b.length);
        }
        return b;
    }

    private Address address(String m, JsonNode n) throws RpcException {
        return new Address(bytes(m, n, 20));
    }
}
