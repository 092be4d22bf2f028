package org.dstack4j.chain.crypto;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * An Ethereum secp256k1 signature in the 65-byte {@code r || s || v} form that {@code ecrecover} takes,
 * always canonical: {@code 0 < r < n}, {@code 0 < s <= n/2} (low-s, EIP-2) and {@code v} in {27, 28}.
 * A non-canonical signature cannot be constructed; {@link #parse} names what is wrong.
 *
 * @param r the r scalar
 * @param s the s scalar, low half
 * @param v 27 or 28 (the recovery id + 27)
 */
public record Signature(BigInteger r, BigInteger s, int v) {
    public Signature {
        if (r == null || r.signum() <= 0 || r.compareTo(Secp256k1.N) >= 0) {
            throw new IllegalArgumentException("signature r is out of range (0 < r < n)");
        }
        if (s == null || s.signum() <= 0 || s.compareTo(Secp256k1.HALF_N) > 0) {
            throw new IllegalArgumentException("signature s is not low (0 < s <= n/2, EIP-2); a high-s signature is malleable and refused");
        }
        if (v != 27 && v != 28) {
            throw new IllegalArgumentException("signature v must be 27 or 28, got " + v);
        }
    }

    /** The recovery id (0 or 1). */
    public int recoveryId() {
        return v - 27;
    }

    /**
     * Parses the 65-byte {@code r || s || v} form strictly (as the cluster contract checks it).
     *
     * @throws IllegalArgumentException naming the defect: length, r/s range, high s, v
     */
    public static Signature parse(byte[] sig65) {
        if (sig65 == null || sig65.length != 65) {
            throw new IllegalArgumentException("a signature is 65 bytes (r || s || v), got " + (sig65 == null ? "null" : sig65.length));
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig65, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig65, 32, 64));
        return new Signature(r, s, sig65[64] & 0xff);
    }

    /** The 65-byte {@code r || s || v} form. */
    public byte[] toBytes() {
        byte[] out = new byte[65];
        System.arraycopy(Secp256k1.to32(r), 0, out, 0, 32);
        System.arraycopy(Secp256k1.to32(s), 0, out, 32, 32);
        out[64] = (byte) v;
        return out;
    }
}
