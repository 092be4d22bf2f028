package org.dstack4j.sdk;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The SDK's one JSON mapper and small helpers for error messages that never echo content. */
final class Json {
    /** Rejects duplicate keys: a response with two {@code quote} fields is malformed, not "last wins". */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Json() {}

    /** "line L, column C" of a parse error, without the offending text (it may be secret). */
    static String location(JacksonException e) {
        JsonLocation loc = e.getLocation();
        String what = e.getClass().getSimpleName();
        return loc == null ? what : what + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** The JSON type of a node, for messages: "missing", "string", "number", … */
    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "missing";
        return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
