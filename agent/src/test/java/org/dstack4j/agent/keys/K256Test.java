package org.dstack4j.agent.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.junit.jupiter.api.Test;

class K256Test {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SECRET = HEX.parseHex("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b");

    @Test
    void keccakIsEthereumsKeccak256() {
        assertThat(HEX.formatHex(K256.keccak256(new byte[0])))
                .isEqualTo("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    @Test
    void signaturesVerifyWithAnIndependentImplementationAndAreLowS() throws Exception {
        byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] sig = K256.sign(SECRET, msg);
        Signature v = Signature.getInstance("SHA256withPLAIN-ECDSA", new BouncyCastleProvider());
        v.initVerify(publicKey(K256.publicKey(SECRET)));
        v.update(msg);
        assertThat(v.verify(sig)).isTrue();
        assertThat(sig[32] & 0x80).as("low-S").isZero();
        assertThat(K256.sign(SECRET, msg)).isEqualTo(sig); // RFC 6979: deterministic
        assertThat(K256.verify(K256.publicKey(SECRET), msg, sig)).isTrue();
        assertThat(K256.verify(K256.publicKey(SECRET), "hellp".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
    }

    @Test
    void recoverableSignatureCarriesARecoveryIdAndVerifies() {
        byte[] digest = K256.keccak256("purpose:abcd".getBytes(StandardCharsets.UTF_8));
        byte[] sig = K256.signRecoverable(SECRET, digest);
        assertThat(sig).hasSize(65);
        assertThat(sig[64]).isBetween((byte) 0, (byte) 1);
        assertThat(K256.verifyPrehash(K256.publicKey(SECRET), digest, Arrays.copyOf(sig, 64))).isTrue();
    }

    @Test
    void deriveKeyIsHkdfSha256WithSaltRatls() throws Exception {
        byte[] ikm = SECRET;
        byte[] info = "my/path".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("RATLS".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info);
        mac.update((byte) 1);
        assertThat(AppKeys.deriveKey(ikm, info)).isEqualTo(mac.doFinal());
    }

    @Test
    void kmsSignatureCertifiesTheAppKey() {
        byte[] appId = HEX.parseHex("2911e1f733466216dedb862d6d669e11256ee7a3");
        AppKeys keys = AppKeys.issuedBy(SECRET, appId);
        byte[] message = ("dstack-kms-issued:").getBytes(StandardCharsets.US_ASCII);
        byte[] full = new byte[message.length + 20 + 33];
        System.arraycopy(message, 0, full, 0, message.length);
        System.arraycopy(appId, 0, full, message.length, 20);
        System.arraycopy(K256.publicKey(keys.k256Key()), 0, full, message.length + 20, 33);
        assertThat(K256.verifyPrehash(K256.publicKey(SECRET), K256.keccak256(full),
                Arrays.copyOf(keys.k256Signature(), 64))).isTrue();
        assertThat(keys.toString()).doesNotContain(HEX.formatHex(keys.k256Key()));
    }

    static PublicKey publicKey(byte[] sec1) throws Exception {
        ECNamedCurveParameterSpec spec = ECNamedCurveTable.getParameterSpec("secp256k1");
        return KeyFactory.getInstance("EC", new BouncyCastleProvider())
                .generatePublic(new ECPublicKeySpec(spec.getCurve().decodePoint(sec1), spec));
    }
}
