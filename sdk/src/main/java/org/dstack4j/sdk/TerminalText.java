package org.dstack4j.sdk;

/**
 * Makes untrusted text safe to print on a terminal or in a log line. One set of rules for every
 * module (the launcher's messages, the verifier's report, event names in an event log).
 *
 * <p>Why: a control character (newline, ESC), a format character (bidi override U+202E, zero-width
 * joiner, BOM) or a line separator (U+2028/U+2029) in text that an attacker controls can forge whole
 * lines, hide the real ones or make one value look like another. A lone surrogate prints as
 * {@code ?} and so looks like another name.
 */
public final class TerminalText {
    private TerminalText() {}

    /**
     * The text with every character {@link #needsEscape needing it} written as {@code \\uXXXX} and
     * backslashes doubled, so an escape in the input cannot pass for one made here.
     */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            boolean escape = c == '\\' || (!pair && needsEscape(text, i));
            if (escape && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (c == '\\') {
                    out.append("\\\\");
                } else if (escape) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                    if (pair) out.append(text.charAt(i + 1));
                }
            }
            if (pair) i++;
        }
        return out == null ? text : out.toString();
    }

    /**
     * As {@link #escape(String)}, of at most the first {@code maxCodePoints} code points of {@code text};
     * {@code ...} follows when some were left off (e.g. a remote server's message, shown on one line).
     */
    public static String escape(String text, int maxCodePoints) {
        if (maxCodePoints < 0) throw new IllegalArgumentException("maxCodePoints must be >= 0");
        if (text.codePointCount(0, text.length()) <= maxCodePoints) return escape(text);
        return escape(text.substring(0, text.offsetByCodePoints(0, maxCodePoints))) + "...";
    }

    /**
     * True when {@code text} holds a character that {@link #escape} would rewrite other than a
     * backslash: control (Cc), format (Cf), line or paragraph separator, or an unpaired surrogate.
     */
    public static boolean hasUnprintable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (needsEscape(text, i)) {
                return true;
            }
        }
        return false;
    }

    /** The char at {@code i} (not the high half of a valid pair) is Cc, Cf, Zl, Zp or a lone surrogate. */
    private static boolean needsEscape(String text, int i) {
        char c = text.charAt(i);
        if (Character.isSurrogate(c)) {
            return true; // a valid pair was consumed by the caller
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }
}
