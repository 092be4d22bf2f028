package org.dstack4j.attestation.quote;

import java.util.Arrays;
import org.dstack4j.sdk.Hex;

/**
 * The 384-byte SGX report of the quoting enclave, as embedded in QE report certification data
 * (Intel SGX report body layout). Checked against Intel's QE identity during DCAP verification.
 *
 * @param cpuSvn     16 bytes @0
 * @param miscSelect u32 @16
 * @param attributes 16 bytes @48
 * @param mrEnclave  32 bytes @64
 * @param mrSigner   32 bytes @128
 * @param isvProdId  u16 @256
 * @param isvSvn     u16 @258
 * @param reportData 64 bytes @320; its first 32 bytes are SHA-256(attestation key ‖ QE auth data)
 */
public record EnclaveReport(byte[] cpuSvn, long miscSelect, byte[] attributes, byte[] mrEnclave, byte[] mrSigner,
        int isvProdId, int isvSvn, byte[] reportData) {

    /** Size of an SGX report body. */
    public static final int SIZE = 384;

    public EnclaveReport {
        cpuSvn = cpuSvn.clone();
        attributes = attributes.clone();
        mrEnclave = mrEnclave.clone();
        mrSigner = mrSigner.clone();
        reportData = reportData.clone();
        Sizes.check("cpu_svn", cpuSvn, 16);
        Sizes.check("attributes", attributes, 16);
        Sizes.check("mr_enclave", mrEnclave, 32);
        Sizes.check("mr_signer", mrSigner, 32);
        Sizes.check("report_data", reportData, 64);
    }

    /** Parses the 384 raw bytes. */
    static EnclaveReport read(QuoteReader r) throws QuoteFormatException {
        byte[] cpuSvn = r.bytes(16, "qe_report.cpu_svn");
        long miscSelect = r.u32("qe_report.misc_select");
        r.bytes(28, "qe_report.reserved1");
        byte[] attributes = r.bytes(16, "qe_report.attributes");
        byte[] mrEnclave = r.bytes(32, "qe_report.mr_enclave");
        r.bytes(32, "qe_report.reserved2");
        byte[] mrSigner = r.bytes(32, "qe_report.mr_signer");
        r.bytes(96, "qe_report.reserved3");
        int prodId = r.u16("qe_report.isv_prod_id");
        int svn = r.u16("qe_report.isv_svn");
        r.bytes(60, "qe_report.reserved4");
        byte[] reportData = r.bytes(64, "qe_report.report_data");
        return new EnclaveReport(cpuSvn, miscSelect, attributes, mrEnclave, mrSigner, prodId, svn, reportData);
    }

    @Override
    public byte[] cpuSvn() {
        return cpuSvn.clone();
    }

    @Override
    public byte[] attributes() {
        return attributes.clone();
    }

    @Override
    public byte[] mrEnclave() {
        return mrEnclave.clone();
    }

    @Override
    public byte[] mrSigner() {
        return mrSigner.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    private Object[] parts() {
        return new Object[] {cpuSvn, miscSelect, attributes, mrEnclave, mrSigner, isvProdId, isvSvn, reportData};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnclaveReport e && Arrays.deepEquals(parts(), e.parts());
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(parts());
    }

    @Override
    public String toString() {
        return "EnclaveReport[cpuSvn=" + Hex.encode(cpuSvn) + ", miscSelect=" + miscSelect + ", attributes="
                + Hex.encode(attributes) + ", mrEnclave=" + Hex.encode(mrEnclave) + ", mrSigner=" + Hex.encode(mrSigner)
                + ", isvProdId=" + isvProdId + ", isvSvn=" + isvSvn + ", reportData=" + Hex.encode(reportData) + "]";
    }
}
