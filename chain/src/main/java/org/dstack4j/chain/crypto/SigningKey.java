package org.dstack4j.chain.crypto;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.dstack4j.chain.Address;

/**
 * A secp256k1 private key that signs 32-byte digests deterministically (RFC 6979, HMAC-SHA256) and
 * always returns the low-s form with the matching {@code v}. {@link #toString()} never shows the key.
 *
 * <p>The scalar is held as a {@link BigInteger} (Bouncy Castle's signer needs one), which cannot be
 * wiped; callers holding long-lived secrets keep the seed bytes and zero those.
 */
public final class SigningKey {
    private final BigInteger d;
    private final byte[] publicKey;
    private final Address address;

    private SigningKey(BigInteger d) {
        if (d.signum() <= 0 || d.compareTo(Secp256k1.N) >= 0) {
            throw new IllegalArgumentException("a secp256k1 private key must be in [1, n-1]");
        }
        this.d = d;
        ECPoint q = new FixedPointCombMultiplier().multiply(Secp256k1.PARAMS.getG(), d).normalize();
        this.publicKey = q.getEncoded(false);
        this.address = Address.ofPublicKey(publicKey);
    }

    /**
     * The key with scalar {@code privateKey32} (big-endian, 32 bytes).
     *
     * @throws IllegalArgumentException when not 32 bytes or not in [1, n-1]
     */
    public static SigningKey of(byte[] privateKey32) {
        if (privateKey32 == null || privateKey32.length != 32) {
            throw new IllegalArgumentException("a secp256k1 private key is 32 bytes, got " + (privateKey32 == null ? "null" : privateKey32.length));
        }
        return new SigningKey(new BigInteger(1, privateKey32));
    }

    /** A fresh random key. */
    public static SigningKey random(SecureRandom rnd) {
        byte[] b = new byte[32];
        while (true) {
            rnd.nextBytes(b);
            BigInteger d = new BigInteger(1, b);
            if (d.signum() > 0 && d.compareTo(Secp256k1.N) < 0) {
                java.util.Arrays.fill(b, (byte) 0);
                return new SigningKey(d);
            }
        }
    }

    /** The uncompressed public key: 65 bytes, 0x04 first. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The account address of this key. */
    public Address address() {
        return address;
    }

    /** The 32-byte big-endian scalar (a copy; the caller zeroes it). */
    public byte[] privateKeyBytes() {
        return Secp256k1.to32(d);
    }

    /**
     * Signs a 32-byte digest (no further hashing): RFC 6979 nonce, low-s, {@code v} such that
     * {@code ecrecover(digest, v, r, s)} is {@link #address()}.
     */
    public Signature sign(byte[] digest32) {
        if (digest32 == null || digest32.length != 32) {
            throw new IllegalArgumentException("sign takes a 32-byte digest, got " + (digest32 == null ? "null" : digest32.length));
        }
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(d, Secp256k1.DOMAIN));
        BigInteger[] rs = signer.generateSignature(digest32);
        BigInteger r = rs[0];
        BigInteger s = rs[1];
        if (s.compareTo(Secp256k1.HALF_N) > 0) {
            s = Secp256k1.N.subtract(s);
        }
        for (int recId = 0; recId < 2; recId++) {
            var q = Secp256k1.recoverPoint(digest32, r, s, recId);
            if (q.isPresent() && java.util.Arrays.equals(q.get().getEncoded(false), publicKey)) {
                return new Signature(r, s, 27 + recId);
            }
        }
        // Only when r >= p - n (probability ~2^-128): recovery would need recId 2/3, which v cannot carry.
        throw new IllegalStateException("signature not recoverable with v in {27, 28}");
    }

    @Override
    public String toString() {
        return "SigningKey[" + address + "]";
    }
}
