package org.dstack4j.attestation.dcap;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;

/** ECDSA P-256 / SHA-256 with raw r‖s signatures (IEEE P1363) and raw x‖y public keys, as DCAP uses them. */
final class Ecdsa {
    private static final ECParameterSpec P256 = p256();

    private Ecdsa() {}

    /** Whether {@code rs} (64 bytes) is a valid signature of {@code data} by {@code key}; false on any malformed input. */
    static boolean verify(PublicKey key, byte[] data, byte[] rs) {
        if (rs.length != 64) return false;
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initVerify(key);
            s.update(data);
            return s.verify(rs);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** The P-256 public key with coordinates x‖y (64 bytes). */
    static PublicKey rawKey(byte[] xy) throws VerifyFailure {
        if (xy.length != 64) throw new VerifyFailure("attestation key must be 64 bytes");
        try {
            ECPoint point = new ECPoint(new BigInteger(1, Arrays.copyOf(xy, 32)), new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, P256));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new VerifyFailure("attestation key is not a P-256 point");
        }
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
}
