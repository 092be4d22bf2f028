package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Strict JSON and capped file reading for policy inputs and for the app-compose document. */
final class PolicyJson {
    /** Duplicate keys rejected, as dstack's and the MPC contract's serde structs reject them. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Largest policy file accepted. */
    static final int MAX_FILE_BYTES = 1024 * 1024;

    private PolicyJson() {}

    static JsonNode read(String text, String source) throws PolicyFormatException {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) throw new PolicyFormatException(source, "is empty");
            return n;
        } catch (JacksonException e) {
            throw new PolicyFormatException(source, "is not valid JSON (" + location(e) + ")");
        }
    }

    static String location(JacksonException e) {
        JsonLocation loc = e.getLocation();
        String what = e.getClass().getSimpleName();
        return loc == null ? what : what + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /**
     * An untrusted name (e.g. a JSON key) for a message: JSON-escaped in double quotes, so control characters
     * cannot forge output lines, and cut to 64 characters.
     */
    static String quoted(String name) {
        String cut = name.length() > 64 ? name.substring(0, 64) + "…" : name;
        return "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(cut)) + "\"";
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "missing";
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** UTF-8 text of a file of at most {@link #MAX_FILE_BYTES}; larger is an error, not a truncation. */
    static String readFile(Path file) throws IOException, PolicyFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes(MAX_FILE_BYTES + 1);
            if (data.length > MAX_FILE_BYTES) {
                throw new PolicyFormatException(file.toString(), "is larger than " + MAX_FILE_BYTES + " bytes");
            }
            return new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
