package org.dstack4j.cluster.secret;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * The cluster's 32-byte secret, from which every cluster key derives ({@link KeyDerivation}). It lives only
 * in memory: never serialised, never in {@link #toString()}, logs or errors; {@link #destroy()} (or
 * {@link #close()}) overwrites it with zeros, after which every use throws {@link IllegalStateException}.
 * Not thread-safe against a concurrent {@code destroy}; a node holds one instance and destroys it on exit.
 */
public final class ClusterSecret implements Destroyable, AutoCloseable {
    /** Size of the secret in bytes. */
    public static final int SIZE = 32;

    private final byte[] bytes;
    private volatile boolean destroyed;

    private ClusterSecret(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Draws a new secret (genesis). */
    public static ClusterSecret generate(SecureRandom random) {
        byte[] b = new byte[SIZE];
        random.nextBytes(b);
        return new ClusterSecret(b);
    }

    /**
     * Wraps a copy of 32 bytes (an opened onboard message, a test vector). The caller should zero its own array.
     *
     * @throws IllegalArgumentException if {@code bytes} is not 32 bytes long (the message never shows the bytes)
     */
    public static ClusterSecret of(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException("a cluster secret is " + SIZE + " bytes, got "
                    + (bytes == null ? "none" : bytes.length));
        }
        return new ClusterSecret(bytes.clone());
    }

    /**
     * A copy of the 32 bytes, for sealing them to a newcomer. The caller must zero the copy when done
     * ({@code Arrays.fill(copy, (byte) 0)}).
     *
     * @throws IllegalStateException after {@link #destroy()}
     */
    public byte[] copyBytes() {
        return live().clone();
    }

    /** Constant-time comparison with another secret. */
    public boolean sameAs(ClusterSecret other) {
        return MessageDigest.isEqual(live(), other.live());
    }

    /** The bytes, for derivation inside this package; never leaves it. */
    byte[] live() {
        if (destroyed) throw new IllegalStateException("the cluster secret was destroyed");
        return bytes;
    }

    /** Overwrites the secret with zeros; idempotent. */
    @Override
    public void destroy() {
        Arrays.fill(bytes, (byte) 0);
        destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return destroyed ? "ClusterSecret[destroyed]" : "ClusterSecret[redacted]";
    }
}
