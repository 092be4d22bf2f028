package org.dstack4j.dashboard.status;

/** HTML escaping for untrusted text in element content and in double-quoted attribute values. */
public final class Html {
    private Html() {}

    /**
     * The text with {@code & < > " '} as character references, and control characters other than tab and
     * newline (which could confuse a terminal showing the page source) as U+FFFD.
     */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(Character.isISOControl(c) && c != '\n' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }
}
