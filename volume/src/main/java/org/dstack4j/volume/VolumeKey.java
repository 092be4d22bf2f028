package org.dstack4j.volume;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * The two keys of one volume, split from its 32-byte root by HKDF-SHA256 (info {@code "dstack4j/volume/v1/" ‖
 * use}): {@code encryption} (AES-256-GCM of files and manifest) and {@code names} (HMAC-SHA256 of paths, so the
 * host sees no file names). The root is the cluster's shared key of the volume ({@link #shared}: every member
 * opens the same volume) or this node's own disk key ({@link #node}: only this CVM can). {@link #close()} zeroes
 * the raw bytes; the JCA key objects keep copies the JDK does not let us wipe.
 */
public final class VolumeKey implements AutoCloseable {
    private final String volume;
    private final byte[] enc;
    private final byte[] names;

    private VolumeKey(String volume, byte[] root) {
        this.volume = VolumePath.checkVolumeName(volume);
        this.enc = split(root, "encryption");
        this.names = split(root, "names");
        Arrays.fill(root, (byte) 0);
    }

    /** The volume every member shares: {@code KeyDerivation.volumeKey(volume)}. */
    public static VolumeKey shared(KeyDerivation keys, String volume) {
        return new VolumeKey(volume, keys.volumeKey(volume));
    }

    /** This node's own volume: {@code KeyDerivation.diskKey(node, volume)}. */
    public static VolumeKey node(KeyDerivation keys, Address node, String volume) {
        return new VolumeKey(volume, keys.diskKey(node, volume));
    }

    /** From a 32-byte root (tests, another key source); the array is zeroed. */
    public static VolumeKey ofRoot(String volume, byte[] root) {
        if (root.length != 32) throw new IllegalArgumentException("a volume root key is 32 bytes, got " + root.length);
        return new VolumeKey(volume, root);
    }

    String volume() {
        return volume;
    }

    SecretKey encryption() {
        return new SecretKeySpec(enc, "AES");
    }

    SecretKey names() {
        return new SecretKeySpec(names, "HmacSHA256");
    }

    private static byte[] split(byte[] root, String use) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(root, null, ("dstack4j/volume/v1/" + use).getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, 32);
        return out;
    }

    @Override
    public void close() {
        Arrays.fill(enc, (byte) 0);
        Arrays.fill(names, (byte) 0);
    }

    @Override
    public String toString() {
        return "VolumeKey[" + volume + ", redacted]";
    }
}
