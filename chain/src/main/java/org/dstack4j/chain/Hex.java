package org.dstack4j.chain;

import java.math.BigInteger;
import java.util.HexFormat;

/**
 * Hex as Ethereum JSON-RPC writes it: {@code 0x}-prefixed lowercase data, and quantities without
 * leading zeros ({@code 0x0}, {@code 0x1a}).
 */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    /** {@code 0x} + lowercase hex of {@code bytes}. */
    public static String data(byte[] bytes) {
        return "0x" + HEX.formatHex(bytes);
    }

    /** A quantity: {@code 0x} + hex without leading zeros. */
    public static String quantity(BigInteger value) {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("a quantity is never negative: " + value);
        }
        return "0x" + value.toString(16);
    }

    /** A quantity: {@code 0x} + hex without leading zeros. */
    public static String quantity(long value) {
        return quantity(BigInteger.valueOf(value));
    }

    /**
     * Decodes data hex; the {@code 0x} prefix is optional, either case.
     *
     * @throws IllegalArgumentException naming the input on an odd length or a non-hex character
     */
    public static byte[] decode(String hex) {
        String h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        try {
            return HEX.parseHex(h);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not hex data (want 0x and an even number of hex digits): " + abbreviate(hex), e);
        }
    }

    /**
     * Decodes exactly {@code length} bytes of hex.
     *
     * @throws IllegalArgumentException naming {@code what} when the length differs
     */
    public static byte[] decode(String hex, int length, String what) {
        byte[] b = decode(hex);
        if (b.length != length) {
            throw new IllegalArgumentException(what + " must be " + length + " bytes of hex, got " + b.length);
        }
        return b;
    }

    /**
     * Decodes a quantity ({@code 0x} and 1..64 hex digits).
     *
     * @throws IllegalArgumentException naming the input when it is not a quantity
     */
    public static BigInteger decodeQuantity(String hex) {
        if (hex == null || !(hex.startsWith("0x") || hex.startsWith("0X")) || hex.length() < 3 || hex.length() > 66) {
            throw new IllegalArgumentException("not a hex quantity (want 0x and 1..64 hex digits): " + abbreviate(hex));
        }
        try {
            return new BigInteger(hex.substring(2), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a hex quantity: " + abbreviate(hex), e);
        }
    }

    /** {@code bytes} left-padded with zeros to 32 bytes (an ABI word). */
    public static byte[] word(BigInteger value) {
        if (value.signum() < 0 || value.bitLength() > 256) {
            throw new IllegalArgumentException("not a uint256: " + value);
        }
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 80 ? '"' + s + '"' : '"' + s.substring(0, 77) + "...\" (" + s.length() + " chars)";
    }
}
