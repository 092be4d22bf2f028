package org.dstack4j.attestation.quote;

import java.util.Arrays;
import java.util.Objects;

/**
 * A parsed Intel TDX quote, version 4 or 5 (Intel TDX DCAP quote layout; offsets in docs/attestation.md).
 * Parsing checks structure only; signatures and certificates are verified elsewhere.
 *
 * {@snippet :
 * TdxQuote q = TdxQuote.parse(quoteBytes);        // throws QuoteFormatException, never an unchecked exception
 * byte[] rtmr3 = q.tdReport().rtmr3();            // 48 bytes
 * byte[] reportData = q.tdReport().reportData();  // 64 bytes
 * String pckChain = q.signatureData().qeReportCertificationData().orElseThrow()
 *         .certificationData().pemChain().orElseThrow();
 * }
 *
 * @param header        the 48-byte header
 * @param bodyType      2 = TD report 1.0 (always for v4), 3 = TD report 1.5 (v5 only)
 * @param tdReport      the TD report body
 * @param signatureData the signature data
 * @param signedData    the bytes the ECDSA quote signature covers: header, (v5: body type and size,) body
 * @param trailingBytes bytes after the signature data (real quotes carry zero padding), ignored
 */
public record TdxQuote(QuoteHeader header, int bodyType, TdReport tdReport, SignatureData signatureData,
        byte[] signedData, int trailingBytes) {

    /** Body type of TD report 1.0 (584 bytes). */
    public static final int BODY_TD_REPORT_10 = 2;
    /** Body type of TD report 1.5 (648 bytes). */
    public static final int BODY_TD_REPORT_15 = 3;

    public TdxQuote {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(tdReport, "tdReport");
        Objects.requireNonNull(signatureData, "signatureData");
        signedData = signedData.clone();
    }

    /**
     * Parses a TDX quote. Little-endian integers; the signature data's declared length must match its
     * contents exactly; bytes after it are tolerated and counted in {@link #trailingBytes()}.
     *
     * @param quote the raw quote bytes (not modified, not retained)
     * @throws QuoteFormatException naming the field and offset when the bytes are truncated, not version
     *                              4/5, not TDX (tee_type 0x81), not ECDSA P-256, or have inconsistent lengths
     */
    public static TdxQuote parse(byte[] quote) throws QuoteFormatException {
        if (quote == null) {
            throw new QuoteFormatException("quote is null", -1);
        }
        try {
            QuoteReader r = new QuoteReader(quote, 0, quote.length);
            QuoteHeader header = QuoteHeader.read(r);
            int bodyType;
            TdReport report;
            if (header.version() == 4) {
                bodyType = BODY_TD_REPORT_10;
                report = TdReport.read(r, false);
            } else {
                int typeAt = r.position();
                bodyType = r.u16("body_type");
                long size = r.u32("body_size");
                int expected = switch (bodyType) {
                    case BODY_TD_REPORT_10 -> TdReport.SIZE_V10;
                    case BODY_TD_REPORT_15 -> TdReport.SIZE_V15;
                    default -> throw new QuoteFormatException("quote v5 body type " + bodyType
                            + " is not a TD report (2 = TD report 1.0, 3 = TD report 1.5)", typeAt);
                };
                if (size != expected) {
                    throw new QuoteFormatException("quote v5 body type " + bodyType + " must be " + expected
                            + " bytes, body_size says " + size, typeAt + 2);
                }
                report = TdReport.read(r.slice(size, "td_report"), bodyType == BODY_TD_REPORT_15);
            }
            int signedLength = r.position();
            long sigLength = r.u32("signature_data_length");
            SignatureData sig = SignatureData.read(r.slice(sigLength, "signature_data"));
            return new TdxQuote(header, bodyType, report, sig, Arrays.copyOf(quote, signedLength), r.remaining());
        } catch (RuntimeException bug) {
            // belt and braces: the reader checks every bound, but a parser must never leak an unchecked exception
            throw new QuoteFormatException("unparseable quote: " + bug, -1);
        }
    }

    /** A copy of the signed bytes (header‖body, with the v5 body type and size). */
    @Override
    public byte[] signedData() {
        return signedData.clone();
    }

    /** The quote version (4 or 5). */
    public int version() {
        return header.version();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TdxQuote q && header.equals(q.header) && bodyType == q.bodyType && tdReport.equals(q.tdReport)
                && signatureData.equals(q.signatureData) && Arrays.equals(signedData, q.signedData)
                && trailingBytes == q.trailingBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(header, bodyType, tdReport, Arrays.hashCode(signedData));
    }

    @Override
    public String toString() {
        return "TdxQuote[header=" + header + ", bodyType=" + bodyType + ", tdReport=" + tdReport + ", signatureData="
                + signatureData + ", signedData=" + signedData.length + " bytes, trailingBytes=" + trailingBytes + "]";
    }
}
