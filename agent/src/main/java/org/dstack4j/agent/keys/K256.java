package org.dstack4j.agent.keys;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * secp256k1 as dstack's agent uses it (Rust {@code k256}): 32-byte secret keys, SEC1 compressed
 * public keys (33 bytes), RFC 6979 deterministic ECDSA with low-S signatures as {@code r ‖ s}
 * (64 bytes), and recoverable signatures {@code r ‖ s ‖ v} (65 bytes, v ∈ {0, 1}).
 */
public final class K256 {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private static final ECDomainParameters DOMAIN =
            new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
    private static final BigInteger N = CURVE.getN();
    private static final BigInteger HALF_N = N.shiftRight(1);

    private K256() {}

    /** True if {@code secret} is 32 bytes encoding a scalar in 1..n-1. */
    public static boolean isValidSecret(byte[] secret) {
        if (secret.length != 32) return false;
        BigInteger d = new BigInteger(1, secret);
        return d.signum() > 0 && d.compareTo(N) < 0;
    }

    /** SEC1 compressed public key (33 bytes) of a 32-byte secret key. */
    public static byte[] publicKey(byte[] secret) {
        return DOMAIN.getG().multiply(scalar(secret)).normalize().getEncoded(true);
    }

    /** Low-S ECDSA over a 32-byte prehash; {@code r ‖ s}. */
    public static byte[] signPrehash(byte[] secret, byte[] prehash) {
        BigInteger[] rs = rawSign(secret, prehash);
        return concat(rs[0], rs[1]);
    }

    /** Low-S ECDSA over SHA-256({@code message}), as k256's {@code Signer::sign}; {@code r ‖ s}. */
    public static byte[] sign(byte[] secret, byte[] message) {
        return signPrehash(secret, sha256(message));
    }

    /** Recoverable ECDSA over a 32-byte prehash: {@code r ‖ s ‖ v}, 65 bytes. */
    public static byte[] signRecoverable(byte[] secret, byte[] prehash) {
        BigInteger[] rs = rawSign(secret, prehash);
        byte[] expected = publicKey(secret);
        for (int v = 0; v < 2; v++) {
            ECPoint q = recover(rs[0], rs[1], v, prehash);
            if (q != null && Arrays.equals(q.getEncoded(true), expected)) {
                byte[] out = Arrays.copyOf(concat(rs[0], rs[1]), 65);
                out[64] = (byte) v;
                return out;
            }
        }
        throw new IllegalStateException("no recovery id reproduces the public key");
    }

    /**
     * Verifies {@code r ‖ s} over a 32-byte prehash; high-S signatures are refused, as k256 does.
     *
     * @return false for a malformed key or signature
     */
    public static boolean verifyPrehash(byte[] publicKey, byte[] prehash, byte[] signature) {
        if (signature.length != 64 || prehash.length != 32) return false;
        BigInteger r = new BigInteger(1, Arrays.copyOf(signature, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        if (r.signum() == 0 || s.signum() == 0 || r.compareTo(N) >= 0 || s.compareTo(HALF_N) > 0) return false;
        ECPoint q;
        try {
            q = CURVE.getCurve().decodePoint(publicKey);
        } catch (IllegalArgumentException e) {
            return false;
        }
        ECDSASigner v = new ECDSASigner();
        v.init(false, new ECPublicKeyParameters(q, DOMAIN));
        return v.verifySignature(prehash, r, s);
    }

    /** Verifies {@code r ‖ s} over SHA-256({@code message}). */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        return verifyPrehash(publicKey, sha256(message), signature);
    }

    /** Keccak-256 (Ethereum's, not SHA3-256). */
    public static byte[] keccak256(byte[] data) {
        KeccakDigest k = new KeccakDigest(256);
        k.update(data, 0, data.length);
        byte[] out = new byte[32];
        k.doFinal(out, 0);
        return out;
    }

    private static BigInteger[] rawSign(byte[] secret, byte[] prehash) {
        if (prehash.length != 32) throw new IllegalArgumentException("prehash must be 32 bytes");
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(scalar(secret), DOMAIN));
        BigInteger[] rs = signer.generateSignature(prehash);
        if (rs[1].compareTo(HALF_N) > 0) {
            rs[1] = N.subtract(rs[1]); // low-S, as k256 normalizes
        }
        return rs;
    }

    /** Public key from a signature and recovery id (SEC 1 §4.1.6); null if none. */
    private static ECPoint recover(BigInteger r, BigInteger s, int v, byte[] prehash) {
        byte[] x = BigIntegers.asUnsignedByteArray(32, r);
        byte[] enc = new byte[33];
        enc[0] = (byte) (v == 0 ? 0x02 : 0x03);
        System.arraycopy(x, 0, enc, 1, 32);
        ECPoint rPoint;
        try {
            rPoint = CURVE.getCurve().decodePoint(enc);
        } catch (IllegalArgumentException e) {
            return null;
        }
        BigInteger e = new BigInteger(1, prehash);
        BigInteger rInv = r.modInverse(N);
        return rPoint.multiply(s).subtract(DOMAIN.getG().multiply(e)).multiply(rInv).normalize();
    }

    private static BigInteger scalar(byte[] secret) {
        if (!isValidSecret(secret)) throw new IllegalArgumentException("not a valid secp256k1 secret key");
        return new BigInteger(1, secret);
    }

    private static byte[] concat(BigInteger r, BigInteger s) {
        byte[] out = new byte[64];
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, r), 0, out, 0, 32);
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, s), 0, out, 32, 32);
        return out;
    }

    private static byte[] sha256(byte[] data) {
        SHA256Digest d = new SHA256Digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }
}
