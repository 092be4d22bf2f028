package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The Bouncy Castle P-256 path (with its key cache) agrees with the JDK's SHA256withECDSA. */
class EcdsaTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BigInteger N = new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);

    private static KeyPair keyPair(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static byte[] sign(KeyPair kp, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(kp.getPrivate());
        s.update(data);
        return s.sign();
    }

    private static boolean jdkVerify(KeyPair kp, byte[] data, byte[] rs) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initVerify(kp.getPublic());
        s.update(data);
        try {
            return s.verify(rs);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private static byte[] xy(KeyPair kp) {
        ECPublicKey k = (ECPublicKey) kp.getPublic();
        byte[] out = new byte[64];
        byte[] x = k.getW().getAffineX().toByteArray(), y = k.getW().getAffineY().toByteArray();
        System.arraycopy(x, Math.max(0, x.length - 32), out, 32 - Math.min(32, x.length), Math.min(32, x.length));
        System.arraycopy(y, Math.max(0, y.length - 32), out, 64 - Math.min(32, y.length), Math.min(32, y.length));
        return out;
    }

    @Test
    void agreesWithTheJdkOnGoodAndTamperedSignaturesRepeatedly() throws Exception {
        for (int i = 0; i < 20; i++) {
            KeyPair kp = keyPair("secp256r1");
            byte[] data = new byte[1 + RANDOM.nextInt(700)];
            RANDOM.nextBytes(data);
            byte[] rs = sign(kp, data);
            // twice: the second call uses the cached key and its precomputed multiples
            for (int round = 0; round < 2; round++) {
                assertThat(Ecdsa.verify(kp.getPublic(), data, rs)).isTrue();
                assertThat(Ecdsa.verifyRaw(xy(kp), data, rs)).isTrue();
            }
            byte[] tamperedData = data.clone();
            tamperedData[RANDOM.nextInt(data.length)] ^= (byte) (1 << RANDOM.nextInt(8));
            byte[] tamperedSig = rs.clone();
            tamperedSig[RANDOM.nextInt(64)] ^= (byte) (1 << RANDOM.nextInt(8));
            assertThat(Ecdsa.verify(kp.getPublic(), tamperedData, rs)).isFalse();
            assertThat(Ecdsa.verifyRaw(xy(kp), tamperedData, rs)).isFalse();
            assertThat(Ecdsa.verify(kp.getPublic(), data, tamperedSig)).isEqualTo(jdkVerify(kp, data, tamperedSig)).isFalse();
            assertThat(Ecdsa.verifyRaw(xy(kp), data, tamperedSig)).isFalse();
        }
    }

    @Test
    void anotherKeysSignatureIsRejected() throws Exception {
        KeyPair signer = keyPair("secp256r1"), other = keyPair("secp256r1");
        byte[] data = "header and TD report".getBytes();
        byte[] rs = sign(signer, data);
        assertThat(Ecdsa.verify(other.getPublic(), data, rs)).isFalse();
        assertThat(Ecdsa.verifyRaw(xy(other), data, rs)).isFalse();
    }

    @Test
    void outOfRangeRAndSAreRejectedLikeTheJdk() throws Exception {
        KeyPair kp = keyPair("secp256r1");
        byte[] data = "qe report".getBytes();
        byte[] rs = sign(kp, data);
        byte[] zeroR = rs.clone();
        Arrays.fill(zeroR, 0, 32, (byte) 0);
        byte[] sPlusN = rs.clone(); // s + n fits 32 bytes only sometimes; use s = n exactly instead
        System.arraycopy(unsigned32(N), 0, sPlusN, 32, 32);
        byte[] rIsN = rs.clone();
        System.arraycopy(unsigned32(N), 0, rIsN, 0, 32);
        for (byte[] bad : new byte[][] {zeroR, sPlusN, rIsN, new byte[64], Arrays.copyOf(rs, 63), Arrays.copyOf(rs, 65)}) {
            assertThat(Ecdsa.verify(kp.getPublic(), data, bad)).isFalse();
            assertThat(Ecdsa.verifyRaw(xy(kp), data, bad)).isFalse();
        }
    }

    @Test
    void aRawKeyOffTheCurveIsAnError() throws Exception {
        KeyPair kp = keyPair("secp256r1");
        byte[] data = "quote".getBytes();
        byte[] rs = sign(kp, data);
        byte[] off = xy(kp);
        off[63] ^= 1;
        assertThatThrownBy(() -> Ecdsa.verifyRaw(off, data, rs)).isInstanceOf(VerifyFailure.class).hasMessageContaining("not a P-256 point");
        assertThatThrownBy(() -> Ecdsa.verifyRaw(new byte[64], data, rs)).isInstanceOf(VerifyFailure.class);
        byte[] big = new byte[64];
        Arrays.fill(big, (byte) 0xff); // coordinates above the field prime
        assertThatThrownBy(() -> Ecdsa.verifyRaw(big, data, rs)).isInstanceOf(VerifyFailure.class);
        assertThatThrownBy(() -> Ecdsa.verifyRaw(new byte[63], data, rs)).isInstanceOf(VerifyFailure.class).hasMessageContaining("64 bytes");
    }

    @Test
    void signaturesOfOtherSizesOrCurvesAreRejectedWithoutError() throws Exception {
        KeyPair kp = keyPair("secp384r1");
        byte[] data = "not P-256".getBytes();
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(kp.getPrivate());
        s.update(data);
        byte[] rs = s.sign(); // 96 bytes: not a DCAP signature, so rejected before any curve work
        assertThat(Ecdsa.verify(kp.getPublic(), data, rs)).isFalse();
        assertThat(Ecdsa.verify(kp.getPublic(), data, Arrays.copyOf(rs, 64))).isFalse();
    }

    private static byte[] unsigned32(BigInteger v) {
        byte[] b = v.toByteArray();
        return Arrays.copyOfRange(b, b.length - 32, b.length);
    }
}
