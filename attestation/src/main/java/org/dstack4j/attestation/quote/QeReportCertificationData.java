package org.dstack4j.attestation.quote;

import java.util.Arrays;
import org.dstack4j.sdk.Hex;

/**
 * Certification data type 6: the quoting enclave's report, its signature by the PCK key, the QE
 * authentication data and the nested certification data (type 5, the PCK certificate chain).
 *
 * @param qeReport          the 384-byte SGX report of the QE, raw (see {@link #qeReportBody()})
 * @param qeReportSignature ECDSA P-256 signature r‖s (64) over {@code qeReport} by the PCK key
 * @param qeAuthData        QE authentication data (u16 length-prefixed in the quote)
 * @param certificationData the nested certification data, normally type 5
 */
public record QeReportCertificationData(byte[] qeReport, byte[] qeReportSignature, byte[] qeAuthData,
        CertificationData certificationData) {

    public QeReportCertificationData {
        qeReport = qeReport.clone();
        qeReportSignature = qeReportSignature.clone();
        qeAuthData = qeAuthData.clone();
        Sizes.check("qe_report", qeReport, EnclaveReport.SIZE);
        Sizes.check("qe_report_signature", qeReportSignature, 64);
    }

    /** Parses the type-6 data held by {@code r}, which must be consumed exactly. */
    static QeReportCertificationData read(QuoteReader r) throws QuoteFormatException {
        byte[] report = r.bytes(EnclaveReport.SIZE, "qe_report");
        byte[] signature = r.bytes(64, "qe_report_signature");
        int authLen = r.u16("qe_auth_data.size");
        byte[] auth = r.bytes(authLen, "qe_auth_data");
        CertificationData nested = CertificationData.read(r, "qe_report_certification_data.certification_data");
        if (r.remaining() != 0) {
            throw new QuoteFormatException("QE report certification data has " + r.remaining()
                    + " bytes after its nested certification data", r.position());
        }
        return new QeReportCertificationData(report, signature, auth, nested);
    }

    /** The QE report, parsed. */
    public EnclaveReport qeReportBody() {
        try {
            return EnclaveReport.read(new QuoteReader(qeReport, 0, qeReport.length));
        } catch (QuoteFormatException e) {
            throw new IllegalStateException("a 384-byte QE report always parses", e);
        }
    }

    @Override
    public byte[] qeReport() {
        return qeReport.clone();
    }

    @Override
    public byte[] qeReportSignature() {
        return qeReportSignature.clone();
    }

    @Override
    public byte[] qeAuthData() {
        return qeAuthData.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QeReportCertificationData q && Arrays.equals(qeReport, q.qeReport)
                && Arrays.equals(qeReportSignature, q.qeReportSignature) && Arrays.equals(qeAuthData, q.qeAuthData)
                && certificationData.equals(q.certificationData);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {qeReport, qeReportSignature, qeAuthData, certificationData});
    }

    @Override
    public String toString() {
        return "QeReportCertificationData[qeReport=" + Hex.encode(qeReport) + ", qeReportSignature="
                + Hex.encode(qeReportSignature) + ", qeAuthData=" + Hex.encode(qeAuthData) + ", certificationData="
                + certificationData + "]";
    }
}
