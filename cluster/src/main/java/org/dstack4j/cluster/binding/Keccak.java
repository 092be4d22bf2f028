package org.dstack4j.cluster.binding;

import org.bouncycastle.crypto.digests.KeccakDigest;

/** Ethereum's Keccak-256 (the original Keccak padding, not SHA3-256). */
public final class Keccak {
    private Keccak() {}

    /** Keccak-256 of the concatenation of {@code parts}, 32 bytes. */
    public static byte[] keccak256(byte[]... parts) {
        KeccakDigest d = new KeccakDigest(256);
        for (byte[] p : parts) d.update(p, 0, p.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }
}
