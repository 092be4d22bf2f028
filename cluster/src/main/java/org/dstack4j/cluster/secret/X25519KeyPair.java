package org.dstack4j.cluster.secret;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * An X25519 key pair (RFC 7748): the clamped 32-byte private scalar and the 32-byte public u-coordinate.
 * A newcomer makes one in memory per join request; the cluster's comes from {@link KeyDerivation}.
 * {@link #close()} zeroes the private half; {@link #toString()} shows only the public one.
 */
public final class X25519KeyPair implements AutoCloseable {
    private final byte[] privateKey;
    private final byte[] publicKey;

    private X25519KeyPair(byte[] privateKey, byte[] publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A fresh random key pair (a newcomer's per-request key). */
    public static X25519KeyPair generate(SecureRandom random) {
        byte[] k = new byte[32];
        random.nextBytes(k);
        return fromPrivate(clamp(k));
    }

    /** The pair for a 32-byte private key (taken over, not copied: the caller hands it off). */
    public static X25519KeyPair fromPrivate(byte[] privateKey) {
        if (privateKey.length != 32) throw new IllegalArgumentException("an X25519 private key is 32 bytes, got " + privateKey.length);
        byte[] pub = new byte[32];
        X25519.scalarMultBase(privateKey, 0, pub, 0);
        return new X25519KeyPair(privateKey, pub);
    }

    /** RFC 7748 clamping in place: clear bits 0–2 and 255, set bit 254; returns {@code k}. */
    public static byte[] clamp(byte[] k) {
        k[0] &= (byte) 248;
        k[31] &= 127;
        k[31] |= 64;
        return k;
    }

    /** A copy of the private key; the caller zeroes it. */
    public byte[] privateKey() {
        return privateKey.clone();
    }

    /** The public key, 32 bytes. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public void close() {
        Arrays.fill(privateKey, (byte) 0);
    }

    @Override
    public String toString() {
        return "X25519KeyPair[public=" + HexFormat.of().formatHex(publicKey) + "]";
    }
}
