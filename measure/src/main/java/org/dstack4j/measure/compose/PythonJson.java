package org.dstack4j.measure.compose;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a JSON tree exactly as Python's {@code json.dumps(obj, indent=4, ensure_ascii=False)} does, the call
 * dstack's {@code vmm-cli.py compose} uses for app-compose.json: four-space indent, {@code ", "} never used
 * between items (newlines instead), {@code ": "} after keys, empty containers as {@code []} / {@code {}},
 * non-ASCII characters written as themselves, control characters escaped ({@code \n}, {@code \t},
 * {@code \u001f}), floats in Python's shortest {@code repr}. Object members are written in the tree's order.
 */
public final class PythonJson {
    private static final String INDENT = "    ";

    private PythonJson() {}

    /**
     * The text of {@code node}.
     *
     * @throws IllegalArgumentException on a string holding a lone UTF-16 surrogate (Python could not encode it) or a
     *                                  float beyond the double range (Python would write non-JSON {@code Infinity})
     */
    public static String dumps(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, 0, sb);
        return sb.toString();
    }

    private static void write(JsonNode node, int level, StringBuilder sb) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                if (node.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append("{\n");
                Iterator<Map.Entry<String, JsonNode>> it = node.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    sb.append(INDENT.repeat(level + 1));
                    string(e.getKey(), sb);
                    sb.append(": ");
                    write(e.getValue(), level + 1, sb);
                    sb.append(it.hasNext() ? ",\n" : "\n");
                }
                sb.append(INDENT.repeat(level)).append('}');
            }
            case ARRAY -> {
                if (node.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append("[\n");
                for (int i = 0; i < node.size(); i++) {
                    sb.append(INDENT.repeat(level + 1));
                    write(node.get(i), level + 1, sb);
                    sb.append(i + 1 < node.size() ? ",\n" : "\n");
                }
                sb.append(INDENT.repeat(level)).append(']');
            }
            case STRING -> string(node.textValue(), sb);
            case BOOLEAN -> sb.append(node.booleanValue() ? "true" : "false");
            case NULL -> sb.append("null");
            case NUMBER -> sb.append(node.isIntegralNumber() ? node.bigIntegerValue().toString() : floatRepr(node.doubleValue()));
            default -> throw new IllegalArgumentException("JSON node of type " + node.getNodeType() + " cannot be written");
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
                continue;
            }
            if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("a string holds a lone UTF-16 surrogate (\\u"
                        + String.format("%04x", (int) c) + "), which has no UTF-8 encoding");
            }
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
    static String floatRepr(double d) {
        // Python would write NaN / Infinity, which no JSON parser (dstack's serde included) reads back.
        if (!Double.isFinite(d)) throw new IllegalArgumentException("a number is too large for a 64-bit float (Python would write " + d + ")");
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Double.toString gives the shortest round-trip digits since JDK 19; only the layout differs.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = bd.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
}
