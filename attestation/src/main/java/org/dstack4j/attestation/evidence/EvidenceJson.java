package org.dstack4j.attestation.evidence;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import java.util.regex.Pattern;
import org.dstack4j.sdk.Utf8;

/** Strict JSON reading of evidence fields, with errors that name the field path and never the value. */
final class EvidenceJson {
    /** Duplicate keys are rejected: two {@code quote} fields would let two verifiers see different evidence. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})*");

    private EvidenceJson() {}

    static JsonNode read(byte[] json, String what) throws EvidenceFormatException {
        String text;
        try {
            text = Utf8.decodeStrict(json); // see Utf8: Jackson's byte parser may misread invalid names
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new EvidenceFormatException("$", what + " is not valid UTF-8");
        }
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw new EvidenceFormatException("$", what + " is empty");
            }
            return root;
        } catch (JacksonException e) {
            throw new EvidenceFormatException("$", what + " is not valid JSON (" + location(e) + ")");
        } catch (java.io.IOException e) {
            throw new EvidenceFormatException("$", what + " could not be read: " + e.getClass().getSimpleName());
        }
    }

    static String location(JacksonException e) {
        JsonLocation loc = e.getLocation();
        String what = e.getClass().getSimpleName();
        return loc == null ? what : what + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "missing";
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    static String join(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    static JsonNode required(JsonNode parent, String parentPath, String field) throws EvidenceFormatException {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            throw new EvidenceFormatException(join(parentPath, field), "is required but missing");
        }
        return v;
    }

    static JsonNode object(JsonNode parent, String parentPath, String field) throws EvidenceFormatException {
        JsonNode v = required(parent, parentPath, field);
        if (!v.isObject()) {
            throw new EvidenceFormatException(join(parentPath, field), "must be a JSON object, got " + kind(v));
        }
        return v;
    }

    static String text(JsonNode parent, String parentPath, String field) throws EvidenceFormatException {
        JsonNode v = required(parent, parentPath, field);
        if (!v.isTextual()) {
            throw new EvidenceFormatException(join(parentPath, field), "must be a string, got " + kind(v));
        }
        return v.textValue();
    }

    /**
     * A hex string field, lower-cased.
     *
     * @param bytes required byte length, or -1 for any length
     * @param emptyOk whether {@code ""} is accepted (dstack serves {@code ""} for absent values)
     */
    static String hex(JsonNode parent, String parentPath, String field, int bytes, boolean emptyOk)
            throws EvidenceFormatException {
        String s = text(parent, parentPath, field);
        if (s.isEmpty() && emptyOk) return s;
        if (!HEX.matcher(s).matches() || (bytes >= 0 && s.length() != 2 * bytes)) {
            throw new EvidenceFormatException(join(parentPath, field), (bytes >= 0 ? "must be " + 2 * bytes + " hex characters" : "must be hex")
                    + (emptyOk ? " or empty" : "") + ", got " + s.length() + " characters");
        }
        return s.toLowerCase(Locale.ROOT);
    }
}
