package org.dstack4j.cluster.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.chain.Hex;
import org.dstack4j.cluster.join.CollateralSource;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Transport;

/**
 * The node's side of the relay socket. Everything it returns is untrusted: a transaction hash is only a hint (the node
 * reads the outcome from the chain), collateral is verified under the pinned root by the join checks. Each call has a
 * deadline and a response cap ({@value #MAX_RESPONSE_BYTES} bytes).
 */
public final class RelayClient implements Relay, CollateralSource, AutoCloseable {
    /** Response cap: collateral JSON is a few tens of KiB. */
    public static final int MAX_RESPONSE_BYTES = 4 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param socket  the relay's unix socket
     * @param timeout deadline of one call (a submit waits for the receipt: allow a few blocks)
     */
    public RelayClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
        this.http = org.dstack4j.sdk.http.JettyClients.start("dstack4j-relay-client", 4, timeout, timeout, 16 * 1024);
    }

    @Override
    public Submitted submit(ContractCall call) throws RelayException {
        JsonNode r = post("/v1/submit", call.toJson());
        try {
            return new Submitted(Hex.decode(r.path("transaction_hash").asText(), 32, "transaction_hash"), r.path("block_number").asLong());
        } catch (IllegalArgumentException e) {
            throw new RelayException("the relay's answer is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public void requestReboot(String reason) throws RelayException {
        post("/v1/reboot", JSON.createObjectNode().put("reason", reason));
    }

    @Override
    public Collateral collateral(byte[] quote) throws RelayException {
        JsonNode r = post("/v1/collateral", JSON.createObjectNode().put("quote", Hex.data(quote)));
        try {
            return CollateralJson.fromJson(r);
        } catch (CollateralFormatException e) {
            throw new RelayException("the relay's collateral is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public Collateral collateralFor(byte[] quote) throws CollateralUnavailableException {
        try {
            return collateral(quote);
        } catch (RelayException e) {
            throw new CollateralUnavailableException("relay: " + e.getMessage(), e);
        }
    }

    private JsonNode post(String path, ObjectNode body) throws RelayException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > RelayServer.MAX_BODY_BYTES) {
            throw new RelayException(path + " body is " + bytes.length + " bytes, over the relay's cap of " + RelayServer.MAX_BODY_BYTES, null);
        }
        try {
            Request req = http.newRequest("http://relay" + path).method("POST").transport(new Transport.TCPUnix(socket))
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .body(new BytesRequestContent("application/json", bytes));
            org.eclipse.jetty.client.CompletableResponseListener l = new org.eclipse.jetty.client.CompletableResponseListener(req, MAX_RESPONSE_BYTES);
            ContentResponse resp = l.send().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            JsonNode json = JSON.readTree(resp.getContent());
            if (resp.getStatus() != 200) {
                throw new RelayException("relay " + path + " answered " + resp.getStatus() + ": " + json.path("error").asText("(no message)"), null);
            }
            return json;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | IOException e) {
            throw new RelayException("relay " + socket + path + " failed: " + e.getMessage(), e);
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
