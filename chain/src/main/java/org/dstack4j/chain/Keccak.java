package org.dstack4j.chain;

import org.bouncycastle.crypto.digests.KeccakDigest;

/** Ethereum's keccak256 (the original Keccak padding, not NIST SHA3-256). */
public final class Keccak {
    private Keccak() {}

    /** keccak256 of the concatenation of {@code parts}; 32 bytes. */
    public static byte[] keccak256(byte[]... parts) {
        KeccakDigest d = new KeccakDigest(256);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    /** keccak256 of the UTF-8 bytes of {@code text} (Solidity's {@code keccak256(bytes(text))}). */
    public static byte[] keccak256(String text) {
        return keccak256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
