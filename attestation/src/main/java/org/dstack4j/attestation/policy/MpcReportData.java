package org.dstack4j.attestation.policy;

import java.security.MessageDigest;
import org.dstack4j.attestation.evidence.NodeKeys;

/**
 * The report data an MPC node puts in its quotes, binding its keys so the quote cannot be replayed for
 * other keys. Version 1 (docs/attestation.md, checked against the real fixtures):
 * {@code u16_be(1) ‖ SHA3-384(p2p_public_key ‖ signer_public_key) ‖ 14 zero bytes}, 64 bytes, with the
 * 32 raw ed25519 key bytes.
 */
public final class MpcReportData {
    /** The only report data version MPC nodes use so far. */
    public static final int VERSION_1 = 1;
    /** TDX report data size. */
    public static final int SIZE = 64;

    private MpcReportData() {}

    /** The 64-byte version-1 report data for {@code keys}. */
    public static byte[] v1(NodeKeys keys) {
        MessageDigest sha3 = Digests.md("SHA3-384");
        sha3.update(keys.p2p().raw());
        sha3.update(keys.signer().raw());
        byte[] out = new byte[SIZE];
        out[0] = (byte) (VERSION_1 >>> 8);
        out[1] = (byte) VERSION_1;
        System.arraycopy(sha3.digest(), 0, out, 2, 48);
        return out;
    }

    /** The big-endian version in the first two bytes of 64-byte report data. */
    public static int version(byte[] reportData) {
        return ((reportData[0] & 0xff) << 8) | (reportData[1] & 0xff);
    }
}
