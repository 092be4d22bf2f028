package org.dstack4j.attestation.quote;

import java.util.Arrays;
import org.dstack4j.sdk.Hex;

/**
 * The TD report body of a TDX quote: the measurements of the trust domain (Intel TDX DCAP quote
 * layout, docs/attestation.md). TD report 1.0 is 584 bytes; 1.5 (quote v5, body type 3) appends
 * {@code tee_tcb_svn2} and {@code mr_servicetd} for 648 bytes. Every array is copied in and out.
 *
 * @param teeTcbSvn TEE TCB SVN (16 bytes; TDX module and components)
 * @param mrSeam MRSEAM: measurement of the TDX module (48)
 * @param mrSignerSeam MRSIGNERSEAM: signer of the TDX module (48; zero for Intel)
 * @param seamAttributes SEAM attributes (8)
 * @param tdAttributes TD attributes (8; bit 0 = DEBUG)
 * @param xfam XFAM: extended features allowed (8)
 * @param mrTd MRTD: measurement of the initial TD contents (48)
 * @param mrConfigId MRCONFIGID: software-defined configuration id (48)
 * @param mrOwner MROWNER (48)
 * @param mrOwnerConfig MROWNERCONFIG (48)
 * @param rtmr0 RTMR0: firmware measurements (48)
 * @param rtmr1 RTMR1: OS loader and kernel (48)
 * @param rtmr2 RTMR2: OS command line and initrd (48)
 * @param rtmr3 RTMR3: runtime events, dstack app measurements (48)
 * @param reportData report data chosen by the TD (64)
 * @param teeTcbSvn2 TEE TCB SVN 2 (16; TD report 1.5 only, else empty)
 * @param mrServiceTd MRSERVICETD (48; TD report 1.5 only, else empty)
 */
public record TdReport(byte[] teeTcbSvn, byte[] mrSeam, byte[] mrSignerSeam, byte[] seamAttributes,
        byte[] tdAttributes, byte[] xfam, byte[] mrTd, byte[] mrConfigId, byte[] mrOwner, byte[] mrOwnerConfig,
        byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, byte[] rtmr3, byte[] reportData, byte[] teeTcbSvn2,
        byte[] mrServiceTd) {

    /** Size of TD report 1.0 (quote v4, and v5 body type 2). */
    public static final int SIZE_V10 = 584;
    /** Size of TD report 1.5 (quote v5 body type 3). */
    public static final int SIZE_V15 = 648;

    public TdReport {
        teeTcbSvn = teeTcbSvn.clone();
        mrSeam = mrSeam.clone();
        mrSignerSeam = mrSignerSeam.clone();
        seamAttributes = seamAttributes.clone();
        tdAttributes = tdAttributes.clone();
        xfam = xfam.clone();
        mrTd = mrTd.clone();
        mrConfigId = mrConfigId.clone();
        mrOwner = mrOwner.clone();
        mrOwnerConfig = mrOwnerConfig.clone();
        rtmr0 = rtmr0.clone();
        rtmr1 = rtmr1.clone();
        rtmr2 = rtmr2.clone();
        rtmr3 = rtmr3.clone();
        reportData = reportData.clone();
        teeTcbSvn2 = teeTcbSvn2 == null ? new byte[0] : teeTcbSvn2.clone();
        mrServiceTd = mrServiceTd == null ? new byte[0] : mrServiceTd.clone();
        Sizes.check("tee_tcb_svn", teeTcbSvn, 16);
        Sizes.check("seam_attributes", seamAttributes, 8);
        Sizes.check("td_attributes", tdAttributes, 8);
        Sizes.check("xfam", xfam, 8);
        for (byte[] m : new byte[][] {mrSeam, mrSignerSeam, mrTd, mrConfigId, mrOwner, mrOwnerConfig, rtmr0, rtmr1, rtmr2, rtmr3}) {
            Sizes.check("48-byte measurement", m, 48);
        }
        Sizes.check("report_data", reportData, 64);
        if (teeTcbSvn2.length != 0 || mrServiceTd.length != 0) {
            Sizes.check("tee_tcb_svn2", teeTcbSvn2, 16);
            Sizes.check("mr_servicetd", mrServiceTd, 48);
        }
    }

    /** Reads a 1.0 body, or a 1.5 body when {@code v15}. */
    static TdReport read(QuoteReader r, boolean v15) throws QuoteFormatException {
        byte[] teeTcbSvn = r.bytes(16, "tee_tcb_svn");
        byte[] mrSeam = r.bytes(48, "mr_seam");
        byte[] mrSignerSeam = r.bytes(48, "mr_signer_seam");
        byte[] seamAttributes = r.bytes(8, "seam_attributes");
        byte[] tdAttributes = r.bytes(8, "td_attributes");
        byte[] xfam = r.bytes(8, "xfam");
        byte[] mrTd = r.bytes(48, "mr_td");
        byte[] mrConfigId = r.bytes(48, "mr_config_id");
        byte[] mrOwner = r.bytes(48, "mr_owner");
        byte[] mrOwnerConfig = r.bytes(48, "mr_owner_config");
        byte[] rtmr0 = r.bytes(48, "rt_mr0");
        byte[] rtmr1 = r.bytes(48, "rt_mr1");
        byte[] rtmr2 = r.bytes(48, "rt_mr2");
        byte[] rtmr3 = r.bytes(48, "rt_mr3");
        byte[] reportData = r.bytes(64, "report_data");
        byte[] teeTcbSvn2 = v15 ? r.bytes(16, "tee_tcb_svn2") : new byte[0];
        byte[] mrServiceTd = v15 ? r.bytes(48, "mr_servicetd") : new byte[0];
        return new TdReport(teeTcbSvn, mrSeam, mrSignerSeam, seamAttributes, tdAttributes, xfam, mrTd, mrConfigId, mrOwner, mrOwnerConfig, rtmr0, rtmr1, rtmr2, rtmr3, reportData, teeTcbSvn2, mrServiceTd);
    }

    /** Whether this is a TD report 1.5 (has {@code tee_tcb_svn2} and {@code mr_servicetd}). */
    public boolean isV15() {
        return mrServiceTd.length != 0;
    }

    /** RTMR{@code i}, {@code i} in 0–3, 48 bytes (a copy). */
    public byte[] rtmr(int i) {
        return switch (i) {
            case 0 -> rtmr0();
            case 1 -> rtmr1();
            case 2 -> rtmr2();
            case 3 -> rtmr3();
            default -> throw new IllegalArgumentException("RTMR index must be 0..3, got " + i);
        };
    }

    /** Whether the TD runs in debug mode ({@code td_attributes} bit 0): its memory is not confidential. */
    public boolean isDebug() {
        return (tdAttributes[0] & 1) != 0;
    }

    /** A copy of TEE TCB SVN. */
    @Override
    public byte[] teeTcbSvn() {
        return teeTcbSvn.clone();
    }

    /** A copy of MRSEAM. */
    @Override
    public byte[] mrSeam() {
        return mrSeam.clone();
    }

    /** A copy of MRSIGNERSEAM. */
    @Override
    public byte[] mrSignerSeam() {
        return mrSignerSeam.clone();
    }

    /** A copy of SEAM attributes. */
    @Override
    public byte[] seamAttributes() {
        return seamAttributes.clone();
    }

    /** A copy of TD attributes. */
    @Override
    public byte[] tdAttributes() {
        return tdAttributes.clone();
    }

    /** A copy of XFAM. */
    @Override
    public byte[] xfam() {
        return xfam.clone();
    }

    /** A copy of MRTD. */
    @Override
    public byte[] mrTd() {
        return mrTd.clone();
    }

    /** A copy of MRCONFIGID. */
    @Override
    public byte[] mrConfigId() {
        return mrConfigId.clone();
    }

    /** A copy of MROWNER. */
    @Override
    public byte[] mrOwner() {
        return mrOwner.clone();
    }

    /** A copy of MROWNERCONFIG. */
    @Override
    public byte[] mrOwnerConfig() {
        return mrOwnerConfig.clone();
    }

    /** A copy of RTMR0. */
    @Override
    public byte[] rtmr0() {
        return rtmr0.clone();
    }

    /** A copy of RTMR1. */
    @Override
    public byte[] rtmr1() {
        return rtmr1.clone();
    }

    /** A copy of RTMR2. */
    @Override
    public byte[] rtmr2() {
        return rtmr2.clone();
    }

    /** A copy of RTMR3. */
    @Override
    public byte[] rtmr3() {
        return rtmr3.clone();
    }

    /** A copy of report data chosen by the TD. */
    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    /** A copy of TEE TCB SVN 2. */
    @Override
    public byte[] teeTcbSvn2() {
        return teeTcbSvn2.clone();
    }

    /** A copy of MRSERVICETD. */
    @Override
    public byte[] mrServiceTd() {
        return mrServiceTd.clone();
    }

    private Object[] parts() {
        return new Object[] {teeTcbSvn, mrSeam, mrSignerSeam, seamAttributes, tdAttributes, xfam, mrTd, mrConfigId, mrOwner, mrOwnerConfig, rtmr0, rtmr1, rtmr2, rtmr3, reportData, teeTcbSvn2, mrServiceTd};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TdReport t && Arrays.deepEquals(parts(), t.parts());
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(parts());
    }

    @Override
    public String toString() {
        return "TdReport[" + "teeTcbSvn=" + Hex.encode(teeTcbSvn) + ", "
                + "mrSeam=" + Hex.encode(mrSeam) + ", "
                + "mrSignerSeam=" + Hex.encode(mrSignerSeam) + ", "
                + "seamAttributes=" + Hex.encode(seamAttributes) + ", "
                + "tdAttributes=" + Hex.encode(tdAttributes) + ", "
                + "xfam=" + Hex.encode(xfam) + ", "
                + "mrTd=" + Hex.encode(mrTd) + ", "
                + "mrConfigId=" + Hex.encode(mrConfigId) + ", "
                + "mrOwner=" + Hex.encode(mrOwner) + ", "
                + "mrOwnerConfig=" + Hex.encode(mrOwnerConfig) + ", "
                + "rtmr0=" + Hex.encode(rtmr0) + ", "
                + "rtmr1=" + Hex.encode(rtmr1) + ", "
                + "rtmr2=" + Hex.encode(rtmr2) + ", "
                + "rtmr3=" + Hex.encode(rtmr3) + ", "
                + "reportData=" + Hex.encode(reportData) + ", "
                + "teeTcbSvn2=" + Hex.encode(teeTcbSvn2) + ", "
                + "mrServiceTd=" + Hex.encode(mrServiceTd) + "]";
    }
}
