package org.dstack4j.cluster.seal;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;

/**
 * RFC 9180 base mode with the protocol's one suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305,
 * one message per context (sequence number 0), on Bouncy Castle's {@code org.bouncycastle.crypto.hpke}.
 */
final class Hpke {
    static final int ENC_SIZE = 32;
    static final int TAG_SIZE = 16;

    private Hpke() {}

    private static HPKE suite() {
        return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_CHACHA20_POLY1305);
    }

    /**
     * Seals one message; {@code ephemeral} (skE, pkE) only for test vectors, {@code null} draws a fresh one.
     *
     * @return {@code enc (32) ‖ ciphertext (pt + 16)}
     */
    static byte[] seal(byte[] recipientPublic, byte[] info, byte[] aad, byte[] plaintext, byte[][] ephemeral) {
        HPKE hpke = suite();
        try {
            HPKEContextWithEncapsulation ctx = ephemeral == null
                    ? hpke.setupBaseS(hpke.deserializePublicKey(recipientPublic), info)
                    : hpke.setupBaseS(hpke.deserializePublicKey(recipientPublic), info,
                            hpke.deserializePrivateKey(ephemeral[0], ephemeral[1]));
            byte[] ct = ctx.seal(aad, plaintext);
            byte[] enc = ctx.getEncapsulation();
            byte[] out = new byte[enc.length + ct.length];
            System.arraycopy(enc, 0, out, 0, enc.length);
            System.arraycopy(ct, 0, out, enc.length, ct.length);
            return out;
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 sealing cannot fail: " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code enc ‖ ciphertext}.
     *
     * @throws InvalidCipherTextException when the key, info, aad or bytes are not the sealer's
     */
    static byte[] open(byte[] sealed, byte[] recipientPrivate, byte[] recipientPublic, byte[] info, byte[] aad)
            throws InvalidCipherTextException {
        HPKE hpke = suite();
        byte[] enc = java.util.Arrays.copyOf(sealed, ENC_SIZE);
        byte[] ct = java.util.Arrays.copyOfRange(sealed, ENC_SIZE, sealed.length);
        AsymmetricCipherKeyPair kp = hpke.deserializePrivateKey(recipientPrivate, recipientPublic);
        try {
            return hpke.setupBaseR(enc, kp, info).open(aad, ct);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // BC reports a degenerate encapsulated key (an all-zero shared secret) this way
            throw new InvalidCipherTextException("the encapsulated key is not usable: " + e.getMessage());
        }
    }
}
