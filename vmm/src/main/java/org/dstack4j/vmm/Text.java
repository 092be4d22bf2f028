package org.dstack4j.vmm;

/** Text from the VMM made safe for one terminal line: control, bidi and line-separator characters escaped, length capped. */
final class Text {
    private Text() {}

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(500).forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                    || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 500 ? b + "..." : b.toString();
    }
}
