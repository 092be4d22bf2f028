package org.dstack4j.attestation.quote;

import java.util.Arrays;
import org.dstack4j.sdk.Hex;

/**
 * The 48-byte quote header (Intel TDX DCAP quote v4/v5, docs/attestation.md).
 *
 * @param version            quote version, 4 or 5 (u16 @0)
 * @param attestationKeyType 2 = ECDSA-256 with P-256 (u16 @2)
 * @param teeType            0x81 = TDX (u32 @4)
 * @param qeSvn              quoting enclave SVN (u16 @8)
 * @param pceSvn             provisioning certification enclave SVN (u16 @10)
 * @param qeVendorId         16 bytes @12 (Intel: 939a7233f79c4ca9940a0db3957f0607)
 * @param userData           20 bytes @28 (the QE's platform identifier)
 */
public record QuoteHeader(int version, int attestationKeyType, long teeType, int qeSvn, int pceSvn,
        byte[] qeVendorId, byte[] userData) {

    /** Header size in bytes. */
    public static final int SIZE = 48;
    /** {@code tee_type} of TDX. */
    public static final long TEE_TYPE_TDX = 0x81;
    /** {@code attestation_key_type} of ECDSA-256 with P-256. */
    public static final int ECDSA_P256 = 2;

    public QuoteHeader {
        qeVendorId = qeVendorId.clone();
        userData = userData.clone();
        Sizes.check("qe_vendor_id", qeVendorId, 16);
        Sizes.check("user_data", userData, 20);
    }

    static QuoteHeader read(QuoteReader r) throws QuoteFormatException {
        int version = r.u16("version");
        if (version != 4 && version != 5) {
            throw new QuoteFormatException("unsupported quote version " + version + ": only TDX quotes v4 and v5 are parsed", 0);
        }
        int keyType = r.u16("attestation_key_type");
        if (keyType != ECDSA_P256) {
            throw new QuoteFormatException("unsupported attestation key type " + keyType + ": only 2 (ECDSA P-256)", 2);
        }
        long tee = r.u32("tee_type");
        if (tee != TEE_TYPE_TDX) {
            throw new QuoteFormatException("tee_type 0x" + Long.toHexString(tee) + " is not TDX (0x81)", 4);
        }
        return new QuoteHeader(version, keyType, tee, r.u16("qe_svn"), r.u16("pce_svn"),
                r.bytes(16, "qe_vendor_id"), r.bytes(20, "user_data"));
    }

    /** A copy of the QE vendor id. */
    @Override
    public byte[] qeVendorId() {
        return qeVendorId.clone();
    }

    /** A copy of the user data. */
    @Override
    public byte[] userData() {
        return userData.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuoteHeader h && version == h.version && attestationKeyType == h.attestationKeyType
                && teeType == h.teeType && qeSvn == h.qeSvn && pceSvn == h.pceSvn
                && Arrays.equals(qeVendorId, h.qeVendorId) && Arrays.equals(userData, h.userData);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {version, attestationKeyType, teeType, qeSvn, pceSvn, qeVendorId, userData});
    }

    @Override
    public String toString() {
        return "QuoteHeader[version=" + version + ", attestationKeyType=" + attestationKeyType + ", teeType=0x"
                + Long.toHexString(teeType) + ", qeSvn=" + qeSvn + ", pceSvn=" + pceSvn + ", qeVendorId="
                + Hex.encode(qeVendorId) + ", userData=" + Hex.encode(userData) + "]";
    }
}
