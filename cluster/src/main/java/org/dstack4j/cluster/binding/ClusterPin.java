package org.dstack4j.cluster.binding;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * What a node's measured app-compose says about its cluster: the top-level object
 * <pre>{@code "dstack4j_cluster": {"chain_id": 31337, "contract": "0x…", "signer": "0x…", "enc_key": "0x<64 hex>",
 *                      "allow_test_root": false}}</pre>
 * {@code signer} and {@code enc_key} (together, or neither) are absent only in a genesis node's compose. Because
 * the compose hash is measured into RTMR3 and checked against the policy, these values are as trustworthy as the
 * measurement: the host cannot point a node at another cluster or enable test roots.
 *
 * @param cluster       chain id and contract
 * @param keys          the cluster's public keys; empty before genesis
 * @param allowTestRoot whether a quote chaining to a non-Intel (simulator) root may pass {@code dcap-root}
 */
public record ClusterPin(ClusterRef cluster, Optional<ClusterPublicKeys> keys, boolean allowTestRoot) {
    /** The app-compose field. */
    public static final String FIELD = "dstack4j_cluster";
    private static final Set<String> KNOWN = Set.of("chain_id", "contract", "signer", "enc_key", "allow_test_root");
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * Reads the pin from app-compose text.
     *
     * @return empty when the compose has no {@value #FIELD} field
     * @throws PinFormatException naming the field that is wrong
     */
    public static Optional<ClusterPin> fromCompose(String appCompose) throws PinFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(appCompose);
        } catch (JacksonException e) {
            throw new PinFormatException("app-compose is not valid JSON (or repeats a key)");
        }
        if (root == null || !root.isObject()) throw new PinFormatException("app-compose is not a JSON object");
        JsonNode pin = root.get(FIELD);
        if (pin == null) return Optional.empty();
        if (!pin.isObject()) throw new PinFormatException(FIELD + " must be an object");
        for (var it = pin.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!KNOWN.contains(f)) throw new PinFormatException(FIELD + "." + f + " is not a known field (" + KNOWN + ")");
        }
        JsonNode chain = pin.get("chain_id");
        if (chain == null || !chain.canConvertToLong() || !chain.isIntegralNumber() || chain.longValue() <= 0) {
            throw new PinFormatException(FIELD + ".chain_id must be a positive integer");
        }
        Address contract = address(pin, "contract");
        JsonNode signer = pin.get("signer");
        JsonNode enc = pin.get("enc_key");
        if ((signer == null) != (enc == null)) throw new PinFormatException(FIELD + ".signer and enc_key come together (or neither, before genesis)");
        Optional<ClusterPublicKeys> keys = Optional.empty();
        if (signer != null) {
            byte[] key;
            try {
                String t = enc.isTextual() ? enc.textValue() : "";
                key = HexFormat.of().parseHex(t.startsWith("0x") ? t.substring(2) : "x");
            } catch (IllegalArgumentException e) {
                throw new PinFormatException(FIELD + ".enc_key must be 0x and 64 hex digits");
            }
            if (key.length != 32) throw new PinFormatException(FIELD + ".enc_key must be 0x and 64 hex digits");
            keys = Optional.of(new ClusterPublicKeys(address(pin, "signer"), key));
        }
        JsonNode test = pin.get("allow_test_root");
        if (test != null && !test.isBoolean()) throw new PinFormatException(FIELD + ".allow_test_root must be true or false");
        return Optional.of(new ClusterPin(new ClusterRef(chain.longValue(), contract), keys, test != null && test.booleanValue()));
    }

    private static Address address(JsonNode pin, String field) throws PinFormatException {
        JsonNode n = pin.get(field);
        try {
            return Address.parse(n == null || !n.isTextual() ? "" : n.textValue());
        } catch (IllegalArgumentException e) {
            throw new PinFormatException(FIELD + "." + field + " must be 0x and 40 hex digits");
        }
    }

    /** The app-compose's cluster pin is malformed. */
    public static final class PinFormatException extends Exception {
        public PinFormatException(String message) {
            super(message);
        }
    }
}
