package org.dstack4j.chain;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A 20-byte EVM account address. {@link #toString()} is the EIP-55 checksummed form.
 *
 * @param bytes the 20 bytes (copied in and out)
 */
public record Address(byte[] bytes) {
    /** The zero address (what {@code ecrecover} returns on failure). */
    public static final Address ZERO = new Address(new byte[20]);

    public Address {
        if (bytes == null || bytes.length != 20) {
            throw new IllegalArgumentException("an address is 20 bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Parses {@code 0x} + 40 hex digits. All-lowercase or all-uppercase is accepted as is; mixed case
     * must be a valid EIP-55 checksum (a typo in a checksummed address is caught, not silently used).
     *
     * @throws IllegalArgumentException naming the input and what is wrong
     */
    public static Address parse(String text) {
        if (text == null || text.length() != 42 || !(text.startsWith("0x") || text.startsWith("0X"))) {
            throw new IllegalArgumentException("an address is 0x and 40 hex digits, got: " + text);
        }
        String hex = text.substring(2);
        byte[] b;
        try {
            b = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an address is 0x and 40 hex digits, got: " + text, e);
        }
        Address a = new Address(b);
        boolean mixed = !hex.equals(hex.toLowerCase(java.util.Locale.ROOT)) && !hex.equals(hex.toUpperCase(java.util.Locale.ROOT));
        if (mixed && !a.toString().substring(2).equals(hex)) {
            throw new IllegalArgumentException("address " + text + " has a wrong EIP-55 checksum (expected " + a + "); check for a typo");
        }
        return a;
    }

    /** The address of an uncompressed secp256k1 public key (65 bytes with the 0x04 prefix, or 64 without). */
    public static Address ofPublicKey(byte[] uncompressed) {
        byte[] xy;
        if (uncompressed.length == 65 && uncompressed[0] == 4) {
            xy = Arrays.copyOfRange(uncompressed, 1, 65);
        } else if (uncompressed.length == 64) {
            xy = uncompressed;
        } else {
            throw new IllegalArgumentException("want an uncompressed secp256k1 public key (65 bytes, 0x04 first), got " + uncompressed.length + " bytes");
        }
        byte[] h = Keccak.keccak256(xy);
        return new Address(Arrays.copyOfRange(h, 12, 32));
    }

    /** The address in an ABI word (the low 20 bytes; the high 12 must be zero). */
    public static Address ofWord(byte[] word) {
        if (word.length != 32) {
            throw new IllegalArgumentException("an ABI word is 32 bytes, got " + word.length);
        }
        for (int i = 0; i < 12; i++) {
            if (word[i] != 0) {
                throw new IllegalArgumentException("not an address word: the high 12 bytes are not zero");
            }
        }
        return new Address(Arrays.copyOfRange(word, 12, 32));
    }

    /** The address as a 32-byte ABI word (left-padded). */
    public byte[] word() {
        byte[] w = new byte[32];
        System.arraycopy(bytes, 0, w, 12, 20);
        return w;
    }

    /** The address as an unsigned integer (headlong's representation). */
    public BigInteger toBigInteger() {
        return new BigInteger(1, bytes);
    }

    /** Lowercase {@code 0x} hex (what JSON-RPC filters and logs use). */
    public String toLowerHex() {
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    /** The EIP-55 checksummed form. */
    @Override
    public String toString() {
        String hex = HexFormat.of().formatHex(bytes);
        byte[] h = Keccak.keccak256(hex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < 40; i++) {
            char c = hex.charAt(i);
            int nibble = (h[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf;
            sb.append(nibble >= 8 ? Character.toUpperCase(c) : c);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && Arrays.equals(bytes, a.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
