package org.dstack4j.attestation.dcap;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * ECDSA P-256 / SHA-256 with raw r‖s signatures (IEEE P1363) and raw x‖y public keys, as DCAP uses them.
 *
 * <p>P-256 runs on Bouncy Castle's specialised secp256r1 arithmetic, about 3× faster than the JDK's
 * {@code SHA256withECDSA}; a verifier sees the same few keys over and over (one PCK key per platform, one
 * attestation key per QE start), so the last {@link #MAX_KEYS} validated keys are kept with the multiples
 * Bouncy Castle precomputes for them, another 2×. The result is the same as the JDK's: r and s in [1, n-1],
 * the key a point on the curve (checked when it enters the cache), standard verification equation. Keys on
 * other curves go to the JDK.
 */
final class Ecdsa {
    /** Keys kept with their precomputed multiples (a few KiB each). */
    static final int MAX_KEYS = 64;

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(CURVE);
    /** P-256 as the JDK names it, to recognise the keys of parsed certificates. */
    private static final ECParameterSpec P256 = p256();

    private static final Map<ByteBuffer, ECPublicKeyParameters> KEYS = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, ECPublicKeyParameters> eldest) {
                    return size() > MAX_KEYS;
                }
            });

    private Ecdsa() {}

    /** Whether {@code rs} (64 bytes) is a valid signature of {@code data} by {@code key}; false on any malformed input. */
    static boolean verify(PublicKey key, byte[] data, byte[] rs) {
        if (rs.length != 64) return false;
        if (key instanceof ECPublicKey ec && isP256(ec.getParams())) {
            byte[] x = unsigned32(ec.getW().getAffineX());
            byte[] y = unsigned32(ec.getW().getAffineY());
            if (x == null || y == null) return false;
            byte[] xy = Arrays.copyOf(x, 64);
            System.arraycopy(y, 0, xy, 32, 32);
            try {
                return verifyP256(key(xy), data, rs);
            } catch (VerifyFailure e) {
                return false;
            }
        }
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initVerify(key);
            s.update(data);
            return s.verify(rs);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether {@code rs} (64 bytes) is a valid signature of {@code data} by the P-256 key with coordinates
     * {@code xy} (64 bytes, x‖y big-endian).
     *
     * @throws VerifyFailure when {@code xy} is not 64 bytes or not a point on P-256
     */
    static boolean verifyRaw(byte[] xy, byte[] data, byte[] rs) throws VerifyFailure {
        if (xy.length != 64) throw new VerifyFailure("attestation key must be 64 bytes");
        ECPublicKeyParameters key = key(xy);
        return rs.length == 64 && verifyP256(key, data, rs);
    }

    private static boolean verifyP256(ECPublicKeyParameters key, byte[] data, byte[] rs) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
            ECDSASigner signer = new ECDSASigner();
            signer.init(false, key);
            // verifySignature rejects r, s outside [1, n-1]
            return signer.verifySignature(digest, new BigInteger(1, Arrays.copyOf(rs, 32)), new BigInteger(1, Arrays.copyOfRange(rs, 32, 64)));
        } catch (NoSuchAlgorithmException | RuntimeException e) {
            return false;
        }
    }

    /** The validated key for x‖y, from the cache or newly checked to be a point of the curve's prime-order group. */
    private static ECPublicKeyParameters key(byte[] xy) throws VerifyFailure {
        ByteBuffer id = ByteBuffer.wrap(xy.clone());
        ECPublicKeyParameters known = KEYS.get(id);
        if (known != null) return known;
        ECPublicKeyParameters key;
        try {
            // the constructor validates: not infinity, coordinates in the field, on the curve, order n
            key = new ECPublicKeyParameters(CURVE.getCurve().createPoint(
                    new BigInteger(1, Arrays.copyOf(xy, 32)), new BigInteger(1, Arrays.copyOfRange(xy, 32, 64))), DOMAIN);
        } catch (RuntimeException e) {
            throw new VerifyFailure("attestation key is not a P-256 point");
        }
        KEYS.put(id, key);
        return key;
    }

    private static boolean isP256(ECParameterSpec p) {
        return p.getCurve().equals(P256.getCurve()) && p.getGenerator().equals(P256.getGenerator())
                && p.getOrder().equals(P256.getOrder()) && p.getCofactor() == P256.getCofactor();
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is always available", e);
        }
    }

    /** {@code v} as 32 big-endian bytes, or null when it is negative or does not fit. */
    private static byte[] unsigned32(BigInteger v) {
        if (v.signum() < 0 || v.bitLength() > 256) return null;
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }
}
