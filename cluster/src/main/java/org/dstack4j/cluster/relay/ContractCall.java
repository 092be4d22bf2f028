package org.dstack4j.cluster.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.cluster.contract.ClusterContract;

/**
 * A node's contract call as it crosses the relay: the function and its ABI arguments, never a signed transaction (the
 * relay signs with the operator's gas key). Only the four calls a node makes exist. JSON form:
 * {@code {"function":"requestJoin","anchor_number":N,"node":"0x…","enc_key":"0x…","evidence":"0x…"}} and likewise
 * for {@code submitGenesis} (+ {@code signer}), {@code onboard} ({@code request_id}, {@code sealed}, {@code signature})
 * and {@code reject} ({@code request_id}, {@code check}, {@code signature}); ids are decimal strings.
 */
public sealed interface ContractCall {
    ObjectMapper JSON = new ObjectMapper();

    /** The function name. */
    String function();

    /** The calldata for {@code contract}. */
    byte[] calldata(ClusterContract contract);

    /** The JSON object sent to the relay. */
    ObjectNode toJson();

    record RequestJoin(long anchorNumber, Address node, byte[] encKey, byte[] evidence) implements ContractCall {
        public String function() {
            return "requestJoin";
        }

        public byte[] calldata(ClusterContract c) {
            return c.requestJoinCall(anchorNumber, node, encKey, evidence);
        }

        public ObjectNode toJson() {
            return JSON.createObjectNode().put("function", function()).put("anchor_number", anchorNumber)
                    .put("node", node.toLowerHex()).put("enc_key", Hex.data(encKey)).put("evidence", Hex.data(evidence));
        }
    }

    record SubmitGenesis(long anchorNumber, Address node, Address signer, byte[] encKey, byte[] evidence) implements ContractCall {
        public String function() {
            return "submitGenesis";
        }

        public byte[] calldata(ClusterContract c) {
            return c.submitGenesisCall(anchorNumber, node, signer, encKey, evidence);
        }

        public ObjectNode toJson() {
            return JSON.createObjectNode().put("function", function()).put("anchor_number", anchorNumber)
                    .put("node", node.toLowerHex()).put("signer", signer.toLowerHex()).put("enc_key", Hex.data(encKey))
                    .put("evidence", Hex.data(evidence));
        }
    }

    record Onboard(BigInteger requestId, byte[] sealed, byte[] signature) implements ContractCall {
        public String function() {
            return "onboard";
        }

        public byte[] calldata(ClusterContract c) {
            return c.onboardCall(requestId, sealed, signature);
        }

        public ObjectNode toJson() {
            return JSON.createObjectNode().put("function", function()).put("request_id", requestId.toString())
                    .put("sealed", Hex.data(sealed)).put("signature", Hex.data(signature));
        }
    }

    record Reject(BigInteger requestId, int check, byte[] signature) implements ContractCall {
        public String function() {
            return "reject";
        }

        public byte[] calldata(ClusterContract c) {
            return c.rejectCall(requestId, check, signature);
        }

        public ObjectNode toJson() {
            return JSON.createObjectNode().put("function", function()).put("request_id", requestId.toString())
                    .put("check", check).put("signature", Hex.data(signature));
        }
    }

    /**
     * Parses the JSON form.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed, or an unknown function
     */
    static ContractCall fromJson(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("the body must be a JSON object");
        String fn = text(n, "function");
        return switch (fn) {
            case "requestJoin" -> new RequestJoin(num(n, "anchor_number"), Address.parse(text(n, "node")),
                    Hex.decode(text(n, "enc_key"), 32, "enc_key"), Hex.decode(text(n, "evidence")));
            case "submitGenesis" -> new SubmitGenesis(num(n, "anchor_number"), Address.parse(text(n, "node")),
                    Address.parse(text(n, "signer")), Hex.decode(text(n, "enc_key"), 32, "enc_key"), Hex.decode(text(n, "evidence")));
            case "onboard" -> new Onboard(id(n), Hex.decode(text(n, "sealed")), Hex.decode(text(n, "signature"), 65, "signature"));
            case "reject" -> new Reject(id(n), (int) num(n, "check"), Hex.decode(text(n, "signature"), 65, "signature"));
            default -> throw new IllegalArgumentException("unknown function '" + fn
                    + "': the relay submits only requestJoin, submitGenesis, onboard and reject");
        };
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("field '" + f + "' must be a string");
        return v.asText();
    }

    private static long num(JsonNode n, String f) {
        JsonNode v = n.get(f);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw new IllegalArgumentException("field '" + f + "' must be a non-negative integer");
        }
        return v.asLong();
    }

    private static BigInteger id(JsonNode n) {
        String s = text(n, "request_id");
        if (!s.matches("[0-9]{1,78}")) throw new IllegalArgumentException("field 'request_id' must be a decimal integer");
        return new BigInteger(s);
    }
}
