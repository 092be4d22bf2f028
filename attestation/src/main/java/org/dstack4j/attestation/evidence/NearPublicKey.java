package org.dstack4j.attestation.evidence;

import java.util.Arrays;
import java.util.Objects;

/**
 * A NEAR ed25519 public key, written {@code ed25519:<base58 of the 32 raw key bytes>} in
 * {@code /public_data} and on chain.
 *
 * @param raw the 32 raw ed25519 public key bytes (copied in and out)
 */
public record NearPublicKey(byte[] raw) {
    /** Size of an ed25519 public key. */
    public static final int SIZE = 32;
    /** The NEAR key-type prefix of ed25519 keys. */
    public static final String PREFIX = "ed25519:";

    public NearPublicKey {
        Objects.requireNonNull(raw, "raw");
        if (raw.length != SIZE) {
            throw new IllegalArgumentException("an ed25519 public key is 32 bytes, got " + raw.length);
        }
        raw = raw.clone();
    }

    /**
     * Parses {@code ed25519:<base58>}; a bare base58 string is read as ed25519, as NEAR does.
     *
     * @param text  the key text
     * @param field the field path to name in errors
     * @throws EvidenceFormatException if the text has another key type, is not base58 or is not 32 bytes
     */
    public static NearPublicKey parse(String text, String field) throws EvidenceFormatException {
        String b58 = text;
        int colon = text.indexOf(':');
        if (colon >= 0) {
            if (!text.startsWith(PREFIX)) {
                throw new EvidenceFormatException(field, "must be an ed25519 key (\"ed25519:<base58>\"), got key type \""
                        + text.substring(0, Math.min(colon, 16)) + "\"");
            }
            b58 = text.substring(PREFIX.length());
        }
        byte[] raw;
        try {
            raw = Base58.decode(b58);
        } catch (IllegalArgumentException e) {
            throw new EvidenceFormatException(field, "is not base58: " + e.getMessage());
        }
        if (raw.length != SIZE) {
            throw new EvidenceFormatException(field, "must decode to 32 bytes, got " + raw.length);
        }
        return new NearPublicKey(raw);
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NearPublicKey k && Arrays.equals(raw, k.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    /** {@code ed25519:<base58>}. */
    @Override
    public String toString() {
        return PREFIX + Base58.encode(raw);
    }
}
