package org.dstack4j.agent.quote;

import java.nio.ByteBuffer;

/**
 * The TD report body of a TDX quote v4 (TDREPORT 1.0, 584 bytes), layout per Intel's TDX DCAP
 * quote specification (docs/attestation.md "TDX quote layout"). Byte arrays are copied in and out.
 *
 * @param teeTcbSvn      16 bytes
 * @param mrSeam         48 bytes, SHA-384 of the TDX module
 * @param mrSignerSeam   48 bytes
 * @param seamAttributes 8 bytes
 * @param tdAttributes   8 bytes; bit 0 is DEBUG
 * @param xfam           8 bytes
 * @param mrTd           48 bytes, MRTD (initial TD contents)
 * @param mrConfigId     48 bytes
 * @param mrOwner        48 bytes
 * @param mrOwnerConfig  48 bytes
 * @param rtmr0          48 bytes
 * @param rtmr1          48 bytes
 * @param rtmr2          48 bytes
 * @param rtmr3          48 bytes
 * @param reportData     64 bytes
 */
public record TdReport(byte[] teeTcbSvn, byte[] mrSeam, byte[] mrSignerSeam, byte[] seamAttributes,
        byte[] tdAttributes, byte[] xfam, byte[] mrTd, byte[] mrConfigId, byte[] mrOwner, byte[] mrOwnerConfig,
        byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, byte[] rtmr3, byte[] reportData) {

    /** Size of the encoded body in bytes. */
    public static final int SIZE = 584;

    /** @throws IllegalArgumentException naming the first field of the wrong size */
    public TdReport {
        teeTcbSvn = sized("tee_tcb_svn", teeTcbSvn, 16);
        mrSeam = sized("mr_seam", mrSeam, 48);
        mrSignerSeam = sized("mr_signer_seam", mrSignerSeam, 48);
        seamAttributes = sized("seam_attributes", seamAttributes, 8);
        tdAttributes = sized("td_attributes", tdAttributes, 8);
        xfam = sized("xfam", xfam, 8);
        mrTd = sized("mr_td", mrTd, 48);
        mrConfigId = sized("mr_config_id", mrConfigId, 48);
        mrOwner = sized("mr_owner", mrOwner, 48);
        mrOwnerConfig = sized("mr_owner_config", mrOwnerConfig, 48);
        rtmr0 = sized("rt_mr0", rtmr0, 48);
        rtmr1 = sized("rt_mr1", rtmr1, 48);
        rtmr2 = sized("rt_mr2", rtmr2, 48);
        rtmr3 = sized("rt_mr3", rtmr3, 48);
        reportData = sized("report_data", reportData, 64);
    }

    @Override public byte[] teeTcbSvn() { return teeTcbSvn.clone(); }
    @Override public byte[] mrSeam() { return mrSeam.clone(); }
    @Override public byte[] mrSignerSeam() { return mrSignerSeam.clone(); }
    @Override public byte[] seamAttributes() { return seamAttributes.clone(); }
    @Override public byte[] tdAttributes() { return tdAttributes.clone(); }
    @Override public byte[] xfam() { return xfam.clone(); }
    @Override public byte[] mrTd() { return mrTd.clone(); }
    @Override public byte[] mrConfigId() { return mrConfigId.clone(); }
    @Override public byte[] mrOwner() { return mrOwner.clone(); }
    @Override public byte[] mrOwnerConfig() { return mrOwnerConfig.clone(); }
    @Override public byte[] rtmr0() { return rtmr0.clone(); }
    @Override public byte[] rtmr1() { return rtmr1.clone(); }
    @Override public byte[] rtmr2() { return rtmr2.clone(); }
    @Override public byte[] rtmr3() { return rtmr3.clone(); }
    @Override public byte[] reportData() { return reportData.clone(); }

    /** The 584-byte body, fields in quote order. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        for (byte[] f : new byte[][] {teeTcbSvn, mrSeam, mrSignerSeam, seamAttributes, tdAttributes, xfam, mrTd,
                mrConfigId, mrOwner, mrOwnerConfig, rtmr0, rtmr1, rtmr2, rtmr3, reportData}) {
            b.put(f);
        }
        return b.array();
    }

    private static byte[] sized(String name, byte[] value, int size) {
        if (value == null || value.length != size) {
            throw new IllegalArgumentException(name + " must be " + size + " bytes, got "
                    + (value == null ? "none" : value.length));
        }
        return value.clone();
    }
}
