package org.dstack4j.attestation.dcap;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Typed, path-naming reads from Intel's collateral JSON; every problem is a {@link CollateralFormatException}. */
final class Json {
    private final String path;
    private final JsonNode node;

    Json(String path, JsonNode node) throws CollateralFormatException {
        if (node == null || !node.isObject()) throw new CollateralFormatException(path, "must be a JSON object");
        this.path = path;
        this.node = node;
    }

    interface Reader<T> {
        T read(Json j) throws CollateralFormatException;
    }

    boolean has(String name) {
        return node.hasNonNull(name);
    }

    private JsonNode get(String name) throws CollateralFormatException {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) throw new CollateralFormatException(path + "." + name, "missing");
        return v;
    }

    Json obj(String name) throws CollateralFormatException {
        return new Json(path + "." + name, get(name));
    }

    String str(String name) throws CollateralFormatException {
        JsonNode v = get(name);
        if (!v.isTextual()) throw new CollateralFormatException(path + "." + name, "must be a string");
        return v.textValue();
    }

    int integer(String name) throws CollateralFormatException {
        JsonNode v = get(name);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new CollateralFormatException(path + "." + name, "must be a non-negative integer, got " + v);
        }
        return v.intValue();
    }

    byte[] hex(String name, int size) throws CollateralFormatException {
        String s = str(name);
        if (s.length() != size * 2) {
            throw new CollateralFormatException(path + "." + name, "must be " + size + " bytes of hex, got " + s.length() + " characters");
        }
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new CollateralFormatException(path + "." + name, "is not hex");
        }
    }

    Instant instant(String name) throws CollateralFormatException {
        String s = str(name);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new CollateralFormatException(path + "." + name, "is not an RFC 3339 UTC time: " + s);
        }
    }

    TcbStatus status(String name) throws CollateralFormatException {
        String s = str(name);
        return TcbStatus.parse(s).orElseThrow(() -> new CollateralFormatException(path + "." + name, "unknown TCB status " + s));
    }

    List<String> advisories() throws CollateralFormatException {
        if (!has("advisoryIDs")) return List.of();
        JsonNode a = get("advisoryIDs");
        if (!a.isArray()) throw new CollateralFormatException(path + ".advisoryIDs", "must be an array");
        List<String> out = new ArrayList<>();
        for (JsonNode e : a) {
            if (!e.isTextual()) throw new CollateralFormatException(path + ".advisoryIDs", "must hold strings");
            out.add(e.textValue());
        }
        return List.copyOf(out);
    }

    int[] svns(String name) throws CollateralFormatException {
        List<Integer> list = list(name, c -> c.integer("svn"));
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = list.get(i);
        return out;
    }

    <T> List<T> list(String name, Reader<T> reader) throws CollateralFormatException {
        JsonNode a = get(name);
        if (!a.isArray()) throw new CollateralFormatException(path + "." + name, "must be an array");
        List<T> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) out.add(reader.read(new Json(path + "." + name + "[" + i + "]", a.get(i))));
        return List.copyOf(out);
    }
}
