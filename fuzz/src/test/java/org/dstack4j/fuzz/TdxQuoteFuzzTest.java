package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.dstack4j.attestation.quote.CertificationData;
import org.dstack4j.attestation.quote.QeReportCertificationData;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.QuoteHeader;
import org.dstack4j.attestation.quote.SignatureData;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * Fuzzes {@link TdxQuote#parse}: arbitrary bytes either parse or fail with a {@link QuoteFormatException}
 * that the bounds-checked reader raised itself. The parser turns any stray {@code RuntimeException}
 * into a {@code QuoteFormatException("unparseable quote: …")} as a last resort; reaching that
 * safety net is a bug here, since the reader is meant to check every bound first.
 *
 * <p>A parsed quote must re-serialise, field by field, to exactly the bytes it was parsed from
 * (header, v5 body type and size, TD report, signature data), followed by {@code trailingBytes}
 * unread bytes: nothing skipped, nothing invented.
 *
 * <p>Seeds: a real v4 quote from TDX hardware (fixture 2025-11-21), the same quote rewrapped as
 * v5 with body types 2 and 3.
 */
class TdxQuoteFuzzTest {

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void parse(byte[] input) throws QuoteFormatException {
        TdxQuote quote;
        try {
            quote = TdxQuote.parse(input);
        } catch (QuoteFormatException e) {
            if (e.getMessage().startsWith("unparseable quote:")) {
                throw new AssertionError("unchecked exception inside the quote parser: " + e.getMessage(), e);
            }
            return;
        }
        byte[] again = serialise(quote);
        assertThat(again.length + quote.trailingBytes()).isEqualTo(input.length);
        assertThat(again).isEqualTo(Arrays.copyOf(input, again.length));
        assertThat(quote.signedData()).isEqualTo(Arrays.copyOf(input, quote.signedData().length));
        // accessors that derive data must not throw on anything the parser accepted
        quote.signatureData().qeReportCertificationData().ifPresent(qe -> {
            qe.qeReportBody();
            qe.certificationData().pemChain();
        });
        quote.signatureData().certificationData().pemChain();
        assertThat(TdxQuote.parse(input)).isEqualTo(quote);
    }

    private static byte[] serialise(TdxQuote q) {
        var out = new ByteArrayOutputStream();
        QuoteHeader h = q.header();
        u16(out, h.version());
        u16(out, h.attestationKeyType());
        u32(out, h.teeType());
        u16(out, h.qeSvn());
        u16(out, h.pceSvn());
        out.writeBytes(h.qeVendorId());
        out.writeBytes(h.userData());
        TdReport r = q.tdReport();
        if (h.version() == 5) {
            u16(out, q.bodyType());
            u32(out, r.isV15() ? TdReport.SIZE_V15 : TdReport.SIZE_V10);
        }
        for (byte[] field : new byte[][] {r.teeTcbSvn(), r.mrSeam(), r.mrSignerSeam(), r.seamAttributes(),
                r.tdAttributes(), r.xfam(), r.mrTd(), r.mrConfigId(), r.mrOwner(), r.mrOwnerConfig(), r.rtmr0(),
                r.rtmr1(), r.rtmr2(), r.rtmr3(), r.reportData(), r.teeTcbSvn2(), r.mrServiceTd()}) {
            out.writeBytes(field);
        }
        byte[] sig = signatureData(q.signatureData());
        assertThat(sig).isEqualTo(q.signatureData().raw());
        u32(out, sig.length);
        out.writeBytes(sig);
        return out.toByteArray();
    }

    private static byte[] signatureData(SignatureData s) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(s.ecdsaSignature());
        out.writeBytes(s.attestationKey());
        CertificationData cert = s.certificationData();
        if (s.qeReportCertificationData().isPresent()) {
            assertThat(cert.type()).isEqualTo(CertificationData.QE_REPORT);
            QeReportCertificationData qe = s.qeReportCertificationData().get();
            var inner = new ByteArrayOutputStream();
            inner.writeBytes(qe.qeReport());
            inner.writeBytes(qe.qeReportSignature());
            u16(inner, qe.qeAuthData().length);
            inner.writeBytes(qe.qeAuthData());
            certification(inner, qe.certificationData());
            assertThat(inner.toByteArray()).isEqualTo(cert.data());
        }
        certification(out, cert);
        return out.toByteArray();
    }

    private static void certification(ByteArrayOutputStream out, CertificationData c) {
        u16(out, c.type());
        u32(out, c.data().length);
        out.writeBytes(c.data());
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
    }

    private static void u32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
    }
}
