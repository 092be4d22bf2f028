package org.dstack4j.agent.pki;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Derives every simulator secret (keys, serial numbers, instance id) from one seed text, so the
 * same seed always gives the same keys and byte-identical certificates.
 *
 * <p>{@code derive(label, n) = HKDF-SHA256(ikm = utf8(seed), salt = "dstack4j-simulator-v1", info = utf8(label))[0..n]}.
 * The seed is test material, not a secret of value; it is still never logged.
 */
public final class SeedKdf {
    private static final byte[] SALT = "dstack4j-simulator-v1".getBytes(StandardCharsets.UTF_8);
    private final byte[] seed;

    /**
     * @param seed non-empty seed text
     * @throws IllegalArgumentException if the seed is empty
     */
    public SeedKdf(String seed) {
        if (seed == null || seed.isEmpty()) {
            throw new IllegalArgumentException("simulator seed must not be empty");
        }
        this.seed = seed.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param label  what the bytes are for (distinct labels give independent outputs)
     * @param length number of bytes, 1..8160
     * @return {@code length} derived bytes
     */
    public byte[] derive(String label, int length) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(seed, SALT, label.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }
}
