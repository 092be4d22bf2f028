package org.dstack4j.agent.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.CharacterCodingException;
import java.util.Iterator;
import java.util.Map;
import org.dstack4j.agent.api.GuestApiException;
import org.dstack4j.sdk.Utf8;

/**
 * Strict decoding of a request body: one reading of the bytes, so two different bodies can never
 * reach the backend as the same request.
 *
 * <p>Why each rule: a lenient decoder turns malformed UTF-8 (overlong forms, encoded surrogates such as
 * {@code ED A0 80}) and lone surrogate escapes ({@code "\ud800"}) into {@code ?} when the string is later
 * encoded, so {@code GetKey} paths and {@code EmitEvent} names that differ on the wire would derive the
 * same key or extend RTMR3 with the same digest. Duplicate keys and trailing content would let two
 * readers disagree on the fields.
 */
final class RequestJson {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RequestJson() {}

    /** An empty object node, for a blank body or a query string. */
    static ObjectNode emptyObject() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses a body: blank (spaces, tabs, CR, LF) is {@code {}}; otherwise strict UTF-8 holding exactly one
     * JSON object, with no duplicate key and no unpaired surrogate in any name or string.
     *
     * @throws GuestApiException 400 naming the rule broken (never echoing the body)
     */
    static ObjectNode parseBody(byte[] raw) throws GuestApiException {
        if (isBlank(raw)) {
            return emptyObject();
        }
        String text;
        try {
            text = Utf8.decodeStrict(raw);
        } catch (CharacterCodingException e) {
            throw GuestApiException.badRequest("request body is not valid UTF-8 (send JSON encoded as UTF-8)");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JacksonException e) {
            // Jackson 2.23+ refuses a lone surrogate escape in a field name itself: same rule, same words
            String why = e.getOriginalMessage();
            if (why != null && why.contains("surrogate")) throw loneSurrogate();
            throw GuestApiException.badRequest("request body is not valid JSON" + where(e)
                    + " (one JSON object, no duplicate keys, nothing after it)");
        }
        if (node == null || !node.isObject()) {
            throw GuestApiException.badRequest("request body must be a JSON object");
        }
        requireWellFormed(node);
        return (ObjectNode) node;
    }

    /** Rejects a name or string holding a surrogate without its pair (only reachable through a {@code \\u} escape). */
    static void requireWellFormed(JsonNode node) throws GuestApiException {
        if (node.isTextual()) {
            requireWellFormed(node.textValue());
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                requireWellFormed(f.getKey());
                requireWellFormed(f.getValue());
            }
        } else if (node.isArray()) {
            for (JsonNode e : node) {
                requireWellFormed(e);
            }
        }
    }

    private static void requireWellFormed(String s) throws GuestApiException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw loneSurrogate();
            }
        }
    }

    private static GuestApiException loneSurrogate() {
        return GuestApiException.badRequest("request body holds a lone surrogate escape (\\ud800-\\udfff"
                + " without its pair); encode text as valid Unicode");
    }

    private static String where(JacksonException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static boolean isBlank(byte[] raw) {
        for (byte b : raw) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
