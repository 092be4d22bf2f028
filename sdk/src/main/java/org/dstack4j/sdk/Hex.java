package org.dstack4j.sdk;

import java.util.HexFormat;

/** Hex as the guest API writes it: lowercase, no {@code 0x}; a leading {@code 0x} is accepted on input. */
public final class Hex {
    private Hex() {}

    /** Lowercase hex of {@code bytes}. */
    public static String encode(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Decodes hex, with or without a {@code 0x} prefix, either case.
     *
     * @throws IllegalArgumentException on an odd length or a non-hex character
     */
    public static byte[] decode(String hex) {
        String h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        return HexFormat.of().parseHex(h);
    }
}
