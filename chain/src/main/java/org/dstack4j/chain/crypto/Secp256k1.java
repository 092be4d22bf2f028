package org.dstack4j.chain.crypto;

import java.math.BigInteger;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9IntegerConverter;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.dstack4j.chain.Address;

/** secp256k1 curve constants and public-key recovery ({@code ecrecover}), on Bouncy Castle. */
public final class Secp256k1 {
    static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
    static final ECDomainParameters DOMAIN = new ECDomainParameters(PARAMS.getCurve(), PARAMS.getG(), PARAMS.getN(), PARAMS.getH());
    /** The group order n. */
    public static final BigInteger N = PARAMS.getN();
    /** n / 2: the largest low-s value. */
    public static final BigInteger HALF_N = N.shiftRight(1);

    private Secp256k1() {}

    /**
     * Recovers the signer's uncompressed public key (65 bytes, 0x04 first) from a 32-byte digest, as
     * {@code ecrecover} does; empty when no point recovers (then {@code ecrecover} returns address 0).
     */
    public static Optional<byte[]> recoverPublicKey(byte[] digest32, Signature sig) {
        return recoverPoint(digest32, sig.r(), sig.s(), sig.recoveryId()).map(p -> p.getEncoded(false));
    }

    /** The signer's address, or empty when nothing recovers. Never {@link Address#ZERO}. */
    public static Optional<Address> recoverAddress(byte[] digest32, Signature sig) {
        return recoverPublicKey(digest32, sig).map(Address::ofPublicKey);
    }

    /** SEC 1 v2 §4.1.6 for one recovery id; {@code r, s} already range-checked by {@link Signature}. */
    static Optional<ECPoint> recoverPoint(byte[] digest32, BigInteger r, BigInteger s, int recId) {
        if (digest32.length != 32) {
            throw new IllegalArgumentException("a digest is 32 bytes, got " + digest32.length);
        }
        // x = r (+ n for recId >= 2, which Ethereum's v in {27, 28} never uses)
        BigInteger p = PARAMS.getCurve().getField().getCharacteristic();
        if (r.compareTo(p) >= 0) {
            return Optional.empty();
        }
        X9IntegerConverter conv = new X9IntegerConverter();
        byte[] comp = conv.integerToBytes(r, 1 + conv.getByteLength(PARAMS.getCurve()));
        comp[0] = (byte) ((recId & 1) == 1 ? 0x03 : 0x02);
        ECPoint rPoint;
        try {
            rPoint = PARAMS.getCurve().decodePoint(comp);
        } catch (IllegalArgumentException notOnCurve) {
            return Optional.empty();
        }
        BigInteger e = new BigInteger(1, digest32);
        BigInteger rInv = r.modInverse(N);
        BigInteger u1 = e.negate().multiply(rInv).mod(N);
        BigInteger u2 = s.multiply(rInv).mod(N);
        ECPoint q = ECAlgorithms.sumOfTwoMultiplies(PARAMS.getG(), u1, rPoint, u2).normalize();
        return q.isInfinity() ? Optional.empty() : Optional.of(q);
    }

    static byte[] to32(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }
}
