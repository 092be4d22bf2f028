package org.dstack4j.agent.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.AlgorithmParameters;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * A NIST P-256 key pair derived from the seed, with deterministic ECDSA-SHA256 signing (RFC 6979
 * nonces), so the same seed and message always give the same signature bytes.
 */
public final class P256Key {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
    private static final ECDomainParameters DOMAIN =
            new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
    private static final ECParameterSpec JCA_SPEC = jcaSpec();

    private final BigInteger d;
    private final ECPoint q;

    private P256Key(BigInteger d) {
        this.d = d;
        this.q = DOMAIN.getG().multiply(d).normalize();
    }

    /**
     * Derives a key: scalar = (48 bytes of {@link SeedKdf#derive} mod (n - 1)) + 1, never zero.
     *
     * @param kdf   the seed's KDF
     * @param label key purpose, e.g. {@code "pck"}
     */
    public static P256Key derive(SeedKdf kdf, String label) {
        BigInteger n = DOMAIN.getN();
        BigInteger wide = new BigInteger(1, kdf.derive("p256-key:" + label, 48));
        return new P256Key(wide.mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE));
    }

    /**
     * The key with this big-endian scalar, as {@code p256::SecretKey::from_slice} reads one.
     *
     * @param scalar 32 bytes, 1 ≤ value &lt; n
     * @throws IllegalArgumentException if the scalar is zero or not below the group order
     */
    public static P256Key fromScalar(byte[] scalar) {
        BigInteger d = new BigInteger(1, scalar);
        if (scalar.length != 32 || d.signum() == 0 || d.compareTo(DOMAIN.getN()) >= 0) {
            throw new IllegalArgumentException("not a valid P-256 scalar");
        }
        return new P256Key(d);
    }

    /** Public and private key as a JCA key pair. */
    public java.security.KeyPair keyPair() {
        return new java.security.KeyPair(publicKey(), privateKey());
    }

    /** The public key as 64 raw bytes {@code x ‖ y} (big-endian, 32 each), as a TDX quote stores it. */
    public byte[] rawPublicKey() {
        byte[] x = BigIntegers.asUnsignedByteArray(32, q.getAffineXCoord().toBigInteger());
        byte[] y = BigIntegers.asUnsignedByteArray(32, q.getAffineYCoord().toBigInteger());
        byte[] out = Arrays.copyOf(x, 64);
        System.arraycopy(y, 0, out, 32, 32);
        return out;
    }

    /** The public key as a JCA key (for certificates and verification). */
    public PublicKey publicKey() {
        try {
            var point = new java.security.spec.ECPoint(
                    q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, JCA_SPEC));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is supported by every JDK", e);
        }
    }

    /** The private key as a JCA key. */
    public PrivateKey privateKey() {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, JCA_SPEC));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is supported by every JDK", e);
        }
    }

    /**
     * ECDSA over SHA-256({@code data}) with an RFC 6979 nonce.
     *
     * @return {@code r ‖ s}, 64 bytes (IEEE P1363 form, as TDX quotes carry signatures)
     */
    public byte[] signP1363(byte[] data) {
        BigInteger[] rs = sign(data);
        byte[] out = new byte[64];
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, rs[0]), 0, out, 0, 32);
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, rs[1]), 0, out, 32, 32);
        return out;
    }

    /** ECDSA over SHA-256({@code data}) with an RFC 6979 nonce; returns {@code {r, s}}. */
    BigInteger[] sign(byte[] data) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(d, DOMAIN));
        return signer.generateSignature(hash);
    }

    private static ECParameterSpec jcaSpec() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is supported by every JDK", e);
        }
    }
}
