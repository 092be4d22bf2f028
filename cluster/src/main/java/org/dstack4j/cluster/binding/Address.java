package org.dstack4j.cluster.binding;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A 20-byte EVM address (a contract, a node, the cluster signer). Shown as lower-case {@code 0x…} hex.
 *
 * @param bytes exactly 20 bytes (copied in and out)
 */
public record Address(byte[] bytes) {
    /** Size in bytes. */
    public static final int SIZE = 20;

    public Address {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException("an address is " + SIZE + " bytes, got " + (bytes == null ? "none" : bytes.length));
        }
        bytes = bytes.clone();
    }

    /**
     * Parses {@code 0x} followed by 40 hex digits (either case; the EIP-55 checksum is not checked).
     *
     * @throws IllegalArgumentException naming the expected form
     */
    public static Address parse(String text) {
        String s = text == null ? "" : text.strip();
        if (!s.startsWith("0x") || s.length() != 42) {
            throw new IllegalArgumentException("an address is 0x followed by 40 hex digits, got " + s.length() + " characters");
        }
        try {
            return new Address(HexFormat.of().parseHex(s.substring(2).toLowerCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an address is 0x followed by 40 hex digits; it has a non-hex character");
        }
    }

    /** The address of an uncompressed secp256k1 public key (65 bytes, {@code 04 ‖ x ‖ y}): last 20 bytes of keccak256(x ‖ y). */
    public static Address ofPublicKey(byte[] uncompressed) {
        if (uncompressed.length != 65 || uncompressed[0] != 4) {
            throw new IllegalArgumentException("an uncompressed secp256k1 public key is 65 bytes starting with 04");
        }
        byte[] h = Keccak.keccak256(Arrays.copyOfRange(uncompressed, 1, 65));
        return new Address(Arrays.copyOfRange(h, 12, 32));
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Lower-case {@code 0x…} hex. */
    public String hex() {
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && MessageDigest.isEqual(bytes, a.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
