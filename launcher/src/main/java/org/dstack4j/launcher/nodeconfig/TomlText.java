package org.dstack4j.launcher.nodeconfig;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import java.io.IOException;

/**
 * TOML 1.0 reading and writing through jackson-dataformat-toml. Duplicate keys and redefined tables
 * are parse errors (the TOML spec). A parse error is reported by line and column only: the parser's
 * own message may quote the file, and an untrusted file may be a link to anything (issue: a linked
 * {@code /proc/self/environ} must not reach the public log).
 */
public final class TomlText {
    // Date-times are parsed to java.time values so that they can be refused (the writer has no
    // handler for them, and a string would change their TOML type).
    static final TomlMapper MAPPER = TomlMapper.builder().enable(TomlReadFeature.PARSE_JAVA_TIME).build();

    private TomlText() {}

    /** The outcome of reading: a document, or where it stopped being TOML. */
    public sealed interface Result permits Parsed, Failed {}

    /** A TOML document (its root table). */
    public record Parsed(ObjectNode root) implements Result {}

    /**
     * Not TOML.
     *
     * @param line   1-based line of the first error, 0 when unknown
     * @param column 1-based column, 0 when unknown
     */
    public record Failed(int line, int column) implements Result {
        /** {@code "line L, column C"}. */
        public String where() {
            return line > 0 ? "line " + line + ", column " + column : "an unknown position";
        }
    }

    /** Parses {@code text}; never throws. */
    public static Result read(String text) {
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || root.isMissingNode()) return new Parsed(MAPPER.createObjectNode());
            if (!(root instanceof ObjectNode table)) return new Failed(1, 1);
            return new Parsed(table);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            return at == null ? new Failed(0, 0) : new Failed(at.getLineNr(), at.getColumnNr());
        } catch (IOException | RuntimeException e) {
            return new Failed(0, 0);
        }
    }

    /**
     * Writes a table as TOML (nested tables as dotted keys, arrays of tables inline). The result
     * parses back to an equal tree.
     */
    public static String write(ObjectNode table) {
        try {
            return MAPPER.writeValueAsString(table);
        } catch (JsonProcessingException e) {
            // only values the reader produced and NodeConfig admits are written
            throw new IllegalStateException("node config cannot be written as TOML: " + e.getClass().getSimpleName(), e);
        }
    }
}
