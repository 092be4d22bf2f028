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
import java.util.Objects;

/**
 * TOML 1.0 reading and writing through jackson-dataformat-toml. Duplicate keys and redefined tables
 * are parse errors (the TOML spec). A parse error is reported by line and column only: the parser's
 * own message may quote the file, and an untrusted file may be a link to anything (issue: a linked
 * {@code /proc/self/environ} must not reach the public log).
 *
 * <p>Numbers, where the library is not lossless (checked against 2.20–2.22):
 * <ul>
 *   <li>a decimal integer of 19 digits (10^18 and up, still 64-bit) is read wrongly, silently
 *       (jackson-dataformats-text #663, fixed only in 2.23): {@link #read} refuses a digit run of 19
 *       or more outside strings and comments, naming its line and column, so nothing misread is
 *       ever used (the same value in hex, {@code 0x…}, is read exactly);</li>
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
     * @param reason what is wrong there when known (no file text), else empty
     */
    public record Failed(int line, int column, String reason) implements Result {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }

        /** A parse error with no more detail. */
        public Failed(int line, int column) {
            this(line, column, "");
        }

        /** {@code "line L, column C"}. */
        public String where() {
            return line > 0 ? "line " + line + ", column " + column : "an unknown position";
        }
    }

    /** Parses {@code text}; never throws. */
    public static Result read(String text) {
        Failed longInteger = longDecimalInteger(text);
        if (longInteger != null) return longInteger;
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

    /** Digit runs this long are where the library misreads (19 digits; 20+ are beyond 64 bits anyway). */
    static final int MISREAD_DIGITS = 19;

    /**
     * The first run of {@value #MISREAD_DIGITS}+ decimal digits (underscores between them allowed)
     * outside strings and comments, or null. Conservative: such a run in a bare key or a float is
     * refused too (neither occurs in a real config); a float's fraction digits are not.
     */
    private static Failed longDecimalInteger(String text) {
        int line = 1;
        int lineStart = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                lineStart = i + 1;
                i++;
            } else if (c == '#') {
                while (i < n && text.charAt(i) != '\n') i++;
            } else if (c == '"' || c == '\'') {
                String quote = text.startsWith(String.valueOf(c).repeat(3), i) ? String.valueOf(c).repeat(3) : String.valueOf(c);
                int j = i + quote.length();
                while (j < n && !text.startsWith(quote, j)) {
                    if (c == '"' && text.charAt(j) == '\\') j++; // an escaped character, e.g. \"
                    j++;
                }
                // A multi-line string may end in up to two more quotes ("""a"""" is a + ").
                j = Math.min(n, j + quote.length());
                while (quote.length() == 3 && j < n && text.charAt(j) == c) j++;
                for (int k = i; k < j; k++) {
                    if (text.charAt(k) == '\n') {
                        line++;
                        lineStart = k + 1;
                    }
                }
                i = j;
            } else if (isDigit(c)) {
                int start = i;
                int digits = 0;
                while (i < n && (isDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    if (text.charAt(i) != '_') digits++;
                    i++;
                }
                boolean fraction = start > 0 && text.charAt(start - 1) == '.'; // a float's digits are read exactly
                if (digits >= MISREAD_DIGITS && !fraction) {
                    return new Failed(line, start - lineStart + 1, "an integer of " + digits
                            + " decimal digits, which this TOML reader cannot read exactly (write it in hex, 0x..., if it fits 64 bits)");
                }
            } else {
                i++;
            }
        }
        return null;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
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
