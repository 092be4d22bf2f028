package org.dstack4j.sdk;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads from one JSON response object. Missing optional fields read as empty; wrong types and
 * bad hex are {@link Malformed} naming the field (never its value: it may be a key).
 */
final class Fields {

    /** A response field is missing, mistyped or not decodable. */
    static final class Malformed extends Exception {
        Malformed(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    private final JsonNode obj;
    private final String where;

    private Fields(JsonNode obj, String where) {
        this.obj = obj;
        this.where = where;
    }

    static Fields of(JsonNode node, String where) throws Malformed {
        if (node == null || !node.isObject()) {
            throw new Malformed(where + " must be a JSON object, got " + Json.kind(node), null);
        }
        return new Fields(node, where);
    }

    /** Parses a field whose value is JSON text (e.g. {@code tcb_info}); empty or missing → null. */
    JsonNode embeddedJson(String name) throws Malformed {
        String text = string(name);
        if (text.isEmpty()) return null;
        try {
            return Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new Malformed(path(name) + " is not valid JSON text (" + Json.location(e) + ")", e);
        }
    }

    Fields object(String name) throws Malformed {
        return of(obj.get(name), path(name));
    }

    JsonNode raw(String name) {
        return obj.get(name);
    }

    String string(String name) throws Malformed {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) return "";
        if (!v.isTextual()) throw new Malformed(path(name) + " must be a string, got " + Json.kind(v), null);
        return v.textValue();
    }

    String requiredString(String name) throws Malformed {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) throw new Malformed(path(name) + " is missing", null);
        return string(name);
    }

    byte[] hex(String name) throws Malformed {
        return decode(string(name), path(name));
    }

    byte[] requiredHex(String name) throws Malformed {
        return decode(requiredString(name), path(name));
    }

    boolean requiredBool(String name) throws Malformed {
        JsonNode v = obj.get(name);
        if (v == null || !v.isBoolean()) throw new Malformed(path(name) + " must be a boolean, got " + Json.kind(v), null);
        return v.booleanValue();
    }

    List<String> strings(String name) throws Malformed {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw new Malformed(path(name) + " must be an array, got " + Json.kind(v), null);
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) throw new Malformed(path(name) + "[" + i + "] must be a string, got " + Json.kind(e), null);
            out.add(e.textValue());
        }
        return List.copyOf(out);
    }

    List<byte[]> hexList(String name) throws Malformed {
        List<String> texts = strings(name);
        List<byte[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(decode(texts.get(i), path(name) + "[" + i + "]"));
        }
        return out;
    }

    private String path(String name) {
        return where + "." + name;
    }

    private static byte[] decode(String hex, String path) throws Malformed {
        try {
            return Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new Malformed(path + " is not hex", null);
        }
    }
}
