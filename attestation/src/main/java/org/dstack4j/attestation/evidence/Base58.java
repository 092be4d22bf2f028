package org.dstack4j.attestation.evidence;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Base58 with the Bitcoin alphabet, as NEAR writes public keys ({@code ed25519:<base58>}).
 * Each leading {@code '1'} stands for one leading zero byte; the rest is a big-endian base-58 number.
 *
 * <p>Written here rather than taken from a library: the common Java implementations come inside
 * large crypto or blockchain SDKs, and this codec is twenty lines.
 */
public final class Base58 {
    /** Bitcoin's alphabet: no {@code 0}, {@code O}, {@code I} or {@code l}. */
    public static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    /** Longest accepted text; decoding is quadratic, and keys are at most 44 characters. */
    public static final int MAX_LENGTH = 256;

    private static final BigInteger BASE = BigInteger.valueOf(58);
    private static final int[] INDEX = new int[128];

    static {
        Arrays.fill(INDEX, -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            INDEX[ALPHABET.charAt(i)] = i;
        }
    }

    private Base58() {}

    /**
     * Decodes base58 text. The empty string decodes to no bytes.
     *
     * @throws IllegalArgumentException naming the position of the first character outside the alphabet,
     *                                  or when the text is longer than {@link #MAX_LENGTH}
     */
    public static byte[] decode(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("base58 text is " + text.length() + " characters, at most " + MAX_LENGTH);
        }
        int zeros = 0;
        while (zeros < text.length() && text.charAt(zeros) == '1') zeros++;
        BigInteger n = BigInteger.ZERO;
        for (int i = zeros; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = c < 128 ? INDEX[c] : -1;
            if (digit < 0) {
                throw new IllegalArgumentException("invalid base58 character at position " + i
                        + " (allowed: " + ALPHABET + ")");
            }
            n = n.multiply(BASE).add(BigInteger.valueOf(digit));
        }
        byte[] magnitude = n.signum() == 0 ? new byte[0] : n.toByteArray();
        // toByteArray adds a sign byte when the top bit is set: drop it
        int skip = magnitude.length > 1 && magnitude[0] == 0 ? 1 : 0;
        byte[] out = new byte[zeros + magnitude.length - skip];
        System.arraycopy(magnitude, skip, out, zeros, magnitude.length - skip);
        return out;
    }

    /** Encodes bytes as base58; each leading zero byte becomes a {@code '1'}. */
    public static String encode(byte[] bytes) {
        int zeros = 0;
        while (zeros < bytes.length && bytes[zeros] == 0) zeros++;
        StringBuilder sb = new StringBuilder();
        BigInteger n = new BigInteger(1, bytes);
        while (n.signum() > 0) {
            BigInteger[] qr = n.divideAndRemainder(BASE);
            sb.append(ALPHABET.charAt(qr[1].intValue()));
            n = qr[0];
        }
        sb.append("1".repeat(zeros));
        return sb.reverse().toString();
    }
}
