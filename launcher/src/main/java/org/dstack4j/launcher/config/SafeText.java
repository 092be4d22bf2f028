package org.dstack4j.launcher.config;

import org.dstack4j.sdk.TerminalText;

/**
 * Makes untrusted text safe to put in an error message or a log line: control characters are
 * escaped and long text is cut. Only for values that are not secrets (keys, image names, tags,
 * digests); a secret value must never be passed here.
 */
public final class SafeText {
    /** Longest excerpt of a value kept in a message, in characters (before escaping). */
    public static final int MAX_EXCERPT_CHARS = 80;

    private SafeText() {}

    /**
     * The text with every control character (Unicode category Cc: U+0000–U+001F, U+007F–U+009F),
     * every format character (Cf: bidi overrides such as U+202E, zero-width joiners, the BOM U+FEFF)
     * and the line and paragraph separators U+2028/U+2029 written as {@code \\uXXXX}, and
     * backslashes doubled so escapes cannot be forged. Format characters are invisible or reorder
     * what a reader sees: a key with a hidden BOM would otherwise look exactly like an allowed key.
     * Lone surrogates are escaped too. See {@link TerminalText#escape}.
     */
    public static String escape(String text) {
        return TerminalText.escape(text); // one set of rules for every module (sdk)
    }

    /**
     * {@link #escape escaped} text, cut to {@value #MAX_EXCERPT_CHARS} characters with a trailing
     * {@code …} when longer; {@code (empty)} for the empty string.
     */
    public static String excerpt(String text) {
        if (text.isEmpty()) return "(empty)";
        if (text.length() <= MAX_EXCERPT_CHARS) return escape(text);
        int end = MAX_EXCERPT_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) end--; // do not split a code point
        return escape(text.substring(0, end)) + "…";
    }
}
