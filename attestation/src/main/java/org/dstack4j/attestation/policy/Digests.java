package org.dstack4j.attestation.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** SHA-256 / SHA3-384 and the normalisation of 32-byte hash strings used by policies. */
final class Digests {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern REGISTER = Pattern.compile("[0-9a-f]{96}");

    private Digests() {}

    static byte[] sha256(byte[] data) {
        return md("SHA-256").digest(data);
    }

    static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    static MessageDigest md(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is mandatory in every JDK", e);
        }
    }

    /**
     * {@code [sha256:]<64 hex>} (either case, surrounding blanks ignored) as 64 lowercase hex.
     *
     * @throws IllegalArgumentException with the expected form (never the input) when it is not one
     */
    static String normalizeHash(String text) {
        String s = text.strip();
        if (s.regionMatches(true, 0, "sha256:", 0, 7)) s = s.substring(7);
        s = s.toLowerCase(Locale.ROOT);
        if (!HASH.matcher(s).matches()) {
            throw new IllegalArgumentException("expected 64 hex characters, optionally prefixed with \"sha256:\", got "
                    + s.length() + " characters");
        }
        return s;
    }

    /** A 48-byte register as 96 lowercase hex, or {@link IllegalArgumentException}. */
    static String normalizeRegister(String what, String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("0x")) s = s.substring(2);
        if (!REGISTER.matcher(s).matches()) {
            throw new IllegalArgumentException(what + " must be 96 hex characters (48 bytes), got " + s.length());
        }
        return s;
    }
}
