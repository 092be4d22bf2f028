package org.dstack4j.agent.quote;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.dstack4j.agent.pki.P256Key;
import org.dstack4j.agent.pki.TestPki;

/**
 * Assembles and signs TDX quotes v4 the way Intel's quoting enclave does, but with the test PKI:
 * <pre>
 * header(48) ‖ body(584) ‖ u32 sig_len ‖ sig(64, r‖s over header‖body, attestation key)
 *   ‖ attestation_key(64, x‖y) ‖ u16 6 ‖ u32 len ‖ [QE report(384) ‖ QE report sig(64, PCK key)
 *   ‖ u16 auth_len ‖ auth_data ‖ u16 5 ‖ u32 pem_len ‖ PEM chain (PCK, platform CA, root)]
 * </pre>
 * with {@code QE report.report_data = SHA-256(attestation_key ‖ auth_data) ‖ 32 zero bytes}.
 * Integers are little-endian. Thread-safe: holds only immutable data.
 */
public final class QuoteSigner {
    /** Intel's QE vendor id, 939a7233f79c4ca9940a0db3957f0607. */
    public static final byte[] INTEL_QE_VENDOR_ID = HexFormat.of().parseHex("939a7233f79c4ca9940a0db3957f0607");
    private static final int HEADER_SIZE = 48;

    private final P256Key attestationKey;
    private final TestPki pki;
    private final QeReport qeReport;
    private final byte[] qeAuthData;
    private final int qeSvn;
    private final int pceSvn;
    private final byte[] userData;
    private final byte[] certificationData;

    /**
     * @param attestationKey the QE's attestation key (signs the quote)
     * @param pki            the test PKI (its PCK key signs the QE report)
     * @param qeReport       QE identity fields
     * @param qeAuthData     QE authentication data (at most 65535 bytes)
     * @param qeSvn          header qe_svn (u16)
     * @param pceSvn         header pce_svn (u16)
     * @param userData       header user_data, 20 bytes
     */
    public QuoteSigner(P256Key attestationKey, TestPki pki, QeReport qeReport, byte[] qeAuthData, int qeSvn,
            int pceSvn, byte[] userData) {
        if (userData.length != 20) {
            throw new IllegalArgumentException("quote header user_data must be 20 bytes");
        }
        if (qeAuthData.length > 0xffff) {
            throw new IllegalArgumentException("QE auth data must be at most 65535 bytes");
        }
        this.attestationKey = attestationKey;
        this.pki = pki;
        this.qeReport = qeReport;
        this.qeAuthData = qeAuthData.clone();
        this.qeSvn = qeSvn;
        this.pceSvn = pceSvn;
        this.userData = userData.clone();
        this.certificationData = buildCertificationData();
    }

    /**
     * Signs a quote over the given TD report body.
     *
     * @return the complete quote bytes
     */
    public byte[] sign(TdReport body) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        header.putShort((short) 4).putShort((short) 2).putInt(0x81)
                .putShort((short) qeSvn).putShort((short) pceSvn)
                .put(INTEL_QE_VENDOR_ID).put(userData);
        byte[] signed = concat(header.array(), body.encode());
        byte[] signature = attestationKey.signP1363(signed);
        byte[] sigData = concat(signature, attestationKey.rawPublicKey(), certificationData);
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(sigData.length);
        return concat(signed, len.array(), sigData);
    }

    /** Certification data type 6 (QE report) with nested type 5 (PEM chain); the same for every quote. */
    private byte[] buildCertificationData() {
        byte[] qeReportData = new byte[64];
        System.arraycopy(sha256(concat(attestationKey.rawPublicKey(), qeAuthData)), 0, qeReportData, 0, 32);
        byte[] report = qeReport.encode(qeReportData);
        byte[] reportSig = pki.pckKey().signP1363(report);
        byte[] pem = pki.pemChain();
        ByteBuffer inner = ByteBuffer.allocate(384 + 64 + 2 + qeAuthData.length + 6 + pem.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        inner.put(report).put(reportSig).putShort((short) qeAuthData.length).put(qeAuthData)
                .putShort((short) 5).putInt(pem.length).put(pem);
        ByteBuffer outer = ByteBuffer.allocate(6 + inner.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        outer.putShort((short) 6).putInt(inner.capacity()).put(inner.array());
        return outer.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
