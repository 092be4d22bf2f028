package org.dstack4j.attestation.dcap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.sdk.Utf8;

/**
 * Reads and writes {@link Collateral} as JSON with dcap-qvl's {@code QuoteCollateralV3} field names:
 * {@code pck_crl_issuer_chain, root_ca_crl, pck_crl, tcb_info_issuer_chain, tcb_info, tcb_info_signature,
 * qe_identity_issuer_chain, qe_identity, qe_identity_signature} and optional {@code pck_certificate_chain}.
 *
 * <p>Byte fields are accepted as arrays of numbers 0–255 (MPC {@code /public_data}, serde_bytes) or as
 * hex strings (optionally {@code 0x}-prefixed; {@code @phala/dcap-qvl}); CRLs may also be PEM
 * ({@code -----BEGIN X509 CRL-----}) in either form. {@link #toJson(Collateral)} writes hex strings.
 */
public final class CollateralJson {
    /** Largest collateral document accepted (real ones are about 30 KiB). */
    public static final int MAX_BYTES = 4 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private CollateralJson() {}

    /**
     * Parses collateral JSON.
     *
     * @param json UTF-8 JSON object, at most {@link #MAX_BYTES}
     * @throws CollateralFormatException naming the field when the document or a field is malformed
     */
    public static Collateral parse(byte[] json) throws CollateralFormatException {
        if (json == null || json.length == 0) throw new CollateralFormatException("collateral", "empty document");
        if (json.length > MAX_BYTES) {
            throw new CollateralFormatException("collateral", json.length + " bytes exceeds the " + MAX_BYTES + "-byte limit");
        }
        String text;
        try {
            text = Utf8.decodeStrict(json); // see Utf8: Jackson's byte parser may misread invalid names
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CollateralFormatException("collateral", "not valid UTF-8");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (IOException e) {
            throw new CollateralFormatException("collateral", "not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        return fromJson(node);
    }

    /**
     * Reads collateral from a parsed JSON object, e.g. {@code tee_participant_info.Dstack.collateral} of
     * an MPC node's {@code /public_data}.
     *
     * @throws CollateralFormatException naming the field when a field is missing or malformed
     */
    public static Collateral fromJson(JsonNode node) throws CollateralFormatException {
        if (node == null || !node.isObject()) throw new CollateralFormatException("collateral", "must be a JSON object");
        Optional<String> pckChain = node.hasNonNull("pck_certificate_chain")
                ? Optional.of(text(node, "pck_certificate_chain"))
                : Optional.empty();
        return new Collateral(text(node, "pck_crl_issuer_chain"), crl(node, "root_ca_crl"), crl(node, "pck_crl"),
                text(node, "tcb_info_issuer_chain"), text(node, "tcb_info"), signature(node, "tcb_info_signature"),
                text(node, "qe_identity_issuer_chain"), text(node, "qe_identity"),
                signature(node, "qe_identity_signature"), pckChain);
    }

    /** The byte fields whose JSON form varies: CRLs and signatures. */
    public static final List<String> BYTE_FIELDS = List.of("root_ca_crl", "pck_crl", "tcb_info_signature", "qe_identity_signature");

    /**
     * How a collateral object writes its byte fields ({@link #BYTE_FIELDS}): {@code "hex strings"} (2025
     * MPC {@code /public_data}, dcap-qvl), {@code "integer arrays"} (2026 MPC {@code /public_data}),
     * {@code "mixed"}, or {@code "unknown"} when a field is neither. Both forms parse the same way.
     */
    public static String byteFieldForm(JsonNode collateral) {
        boolean text = false;
        boolean array = false;
        for (String f : BYTE_FIELDS) {
            JsonNode v = collateral == null ? null : collateral.get(f);
            if (v != null && v.isTextual()) text = true;
            else if (v != null && v.isArray()) array = true;
            else return "unknown";
        }
        return text && array ? "mixed" : text ? "hex strings" : "integer arrays";
    }

    /** Writes the dcap-qvl hex form (byte fields as lowercase hex, CRLs as DER hex). */
    public static ObjectNode toJsonNode(Collateral c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("pck_crl_issuer_chain", c.pckCrlIssuerChain());
        o.put("root_ca_crl", HEX.formatHex(c.rootCaCrl()));
        o.put("pck_crl", HEX.formatHex(c.pckCrl()));
        o.put("tcb_info_issuer_chain", c.tcbInfoIssuerChain());
        o.put("tcb_info", c.tcbInfo());
        o.put("tcb_info_signature", HEX.formatHex(c.tcbInfoSignature()));
        o.put("qe_identity_issuer_chain", c.qeIdentityIssuerChain());
        o.put("qe_identity", c.qeIdentity());
        o.put("qe_identity_signature", HEX.formatHex(c.qeIdentitySignature()));
        c.pckCertificateChain().ifPresent(p -> o.put("pck_certificate_chain", p));
        return o;
    }

    /** {@link #toJsonNode(Collateral)} as compact JSON text. */
    public static String toJson(Collateral c) {
        try {
            return JSON.writeValueAsString(toJsonNode(c));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ObjectNode of strings always serializes", e);
        }
    }

    private static JsonNode field(JsonNode node, String name) throws CollateralFormatException {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) throw new CollateralFormatException(name, "missing");
        return v;
    }

    private static String text(JsonNode node, String name) throws CollateralFormatException {
        JsonNode v = field(node, name);
        if (!v.isTextual()) {
            throw new CollateralFormatException(name, "must be a string (the exact signed JSON or PEM text), got " + v.getNodeType());
        }
        return v.textValue();
    }

    private static byte[] signature(JsonNode node, String name) throws CollateralFormatException {
        byte[] sig = bytes(node, name);
        if (sig.length != 64) {
            throw new CollateralFormatException(name, "must be a 64-byte ECDSA P-256 signature r‖s, got " + sig.length + " bytes");
        }
        return sig;
    }

    private static byte[] crl(JsonNode node, String name) throws CollateralFormatException {
        byte[] raw = bytes(node, name);
        String head = new String(raw, 0, Math.min(raw.length, 11), StandardCharsets.US_ASCII);
        // A PEM body is held to the same DER check: toJson writes DER hex, so anything accepted here
        // must parse again from that form.
        if (head.startsWith("-----BEGIN")) raw = pemToDer(name, new String(raw, StandardCharsets.US_ASCII));
        if (raw.length == 0 || raw[0] != 0x30) {
            throw new CollateralFormatException(name, "is not a DER CRL (expected an ASN.1 SEQUENCE, first byte 0x30)");
        }
        return raw;
    }

    /** Bytes from an array of numbers, a hex string, or (for CRLs) PEM text. */
    private static byte[] bytes(JsonNode node, String name) throws CollateralFormatException {
        JsonNode v = field(node, name);
        if (v.isArray()) {
            byte[] out = new byte[v.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = v.get(i);
                if (!e.isIntegralNumber() || e.asLong() < 0 || e.asLong() > 255) {
                    throw new CollateralFormatException(name, "element " + i + " is not a byte value 0..255: " + e);
                }
                out[i] = (byte) e.intValue();
            }
            return out;
        }
        if (v.isTextual()) {
            String s = v.textValue().strip();
            if (s.startsWith("-----BEGIN")) return s.getBytes(StandardCharsets.US_ASCII);
            if (s.startsWith("0x") || s.startsWith("0X")) s = s.substring(2);
            if ((s.length() & 1) != 0) throw new CollateralFormatException(name, "hex string has an odd length " + s.length());
            try {
                return HEX.parseHex(s);
            } catch (IllegalArgumentException e) {
                throw new CollateralFormatException(name, "is neither hex nor PEM: " + e.getMessage());
            }
        }
        throw new CollateralFormatException(name, "must be a hex string or an array of byte values, got " + v.getNodeType());
    }

    /** First PEM block of {@code pem} as DER. */
    static byte[] pemToDer(String name, String pem) throws CollateralFormatException {
        int begin = pem.indexOf("-----BEGIN");
        int bodyStart = pem.indexOf('\n', begin);
        int end = pem.indexOf("-----END", Math.max(bodyStart, 0));
        if (begin < 0 || bodyStart < 0 || end < 0) throw new CollateralFormatException(name, "truncated PEM block");
        try {
            return Base64.getMimeDecoder().decode(pem.substring(bodyStart + 1, end));
        } catch (IllegalArgumentException e) {
            throw new CollateralFormatException(name, "PEM body is not base64: " + e.getMessage());
        }
    }
}
