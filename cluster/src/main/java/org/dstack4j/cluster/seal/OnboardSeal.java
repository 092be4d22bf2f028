package org.dstack4j.cluster.seal;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.X25519KeyPair;

/**
 * Seals the cluster secret to a newcomer's X25519 key and opens it again (RFC 9180 base mode,
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; info and aad from {@link SealContext}).
 * {@code sealed = enc (32) ‖ ciphertext (48)}: {@value #SEALED_SIZE} bytes.
 */
public final class OnboardSeal {
    /** Size of a sealed secret. */
    public static final int SEALED_SIZE = Hpke.ENC_SIZE + ClusterSecret.SIZE + Hpke.TAG_SIZE;

    private OnboardSeal() {}

    /**
     * Seals {@code secret} to {@code newcomerKey} (32-byte X25519 public key) for one request.
     *
     * @return 80 bytes
     */
    public static byte[] seal(ClusterSecret secret, byte[] newcomerKey, SealContext ctx) {
        if (newcomerKey == null || newcomerKey.length != 32) throw new IllegalArgumentException("the newcomer's key is 32 bytes");
        byte[] pt = secret.copyBytes();
        try {
            return Hpke.seal(newcomerKey, ctx.info(), ctx.aad(), pt, null);
        } finally {
            Arrays.fill(pt, (byte) 0);
        }
    }

    /** Why a sealed secret did not open. */
    public enum Failure {
        /** Not {@value #SEALED_SIZE} bytes. */
        WRONG_SIZE,
        /** Authentication failed: another key, another request/epoch/chain/contract (info), other evidence (aad), or altered bytes. */
        NOT_FOR_US
    }

    /** The outcome of {@link #open}. */
    public sealed interface Opened permits Secret, Refused {}

    /** The secret (the caller owns it and destroys it). */
    public record Secret(ClusterSecret secret) implements Opened {}

    /** It did not open. */
    public record Refused(Failure failure) implements Opened {}

    /** Opens {@code sealed} with the newcomer's key pair for the request {@code ctx} describes. */
    public static Opened open(byte[] sealed, X25519KeyPair key, SealContext ctx) {
        if (sealed == null || sealed.length != SEALED_SIZE) return new Refused(Failure.WRONG_SIZE);
        byte[] priv = key.privateKey();
        byte[] pt = null;
        try {
            pt = Hpke.open(sealed, priv, key.publicKey(), ctx.info(), ctx.aad());
            return new Secret(ClusterSecret.of(pt));
        } catch (InvalidCipherTextException e) {
            return new Refused(Failure.NOT_FOR_US);
        } finally {
            Arrays.fill(priv, (byte) 0);
            if (pt != null) Arrays.fill(pt, (byte) 0);
        }
    }
}
