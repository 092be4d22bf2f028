package org.dstack4j.launcher.nodeconfig;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * TOML 1.0 reading and writing through jackson-dataformat-toml. Duplicate keys and redefined tables
 * are parse errors (the TOML spec). A parse error is reported by line and column only: the parser's
 * own message may quote the file, and an untrusted file may be a link to anything (issue: a linked
 * {@code /proc/self/environ} must not reach the public log).
 *
 * <p>Numbers, where the library is not lossless (checked against 2.23; 2.20–2.22 also misread
 * 19-digit decimal integers, jackson-dataformats-text #663, which is why the project needs 2.23+ and
 * TomlNumbersTest reads such integers back exactly):
 * <ul>
 *   <li>a hex, octal or binary integer of 16+ digits comes back as a big integer even when it fits
 *       64 bits: {@link #read} turns those into plain 64-bit integers;</li>
 *   <li>a float comes back as a decimal number whose trailing zeros the tree drops, so {@code 3.0}
 *       would be written back as the integer {@code 3}: {@link #read} keeps floats as binary64
 *       doubles (what TOML specifies and what the node's parser reads), written with a fraction or
 *       exponent.</li>
 * </ul>
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
     * Not TOML, or TOML this reader cannot read losslessly.
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
            return new Parsed((ObjectNode) exactNumbers(table));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            return at == null ? new Failed(0, 0) : new Failed(at.getLineNr(), at.getColumnNr());
        } catch (IOException | RuntimeException e) {
            return new Failed(0, 0);
        }
    }

    /** The tree with 64-bit big integers as longs and floats as doubles (see the class comment). */
    private static JsonNode exactNumbers(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                e.setValue(exactNumbers(e.getValue()));
            }
            return o;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) a.set(i, exactNumbers(a.get(i)));
            return a;
        }
        if (node.isBigInteger() && node.canConvertToLong()) return LongNode.valueOf(node.longValue());
        if (node.isFloatingPointNumber()) return DoubleNode.valueOf(node.doubleValue());
        return node;
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
