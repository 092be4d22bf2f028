package org.dstack4j.attestation.quote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.dstack4j.sdk.EventLog;
import org.junit.jupiter.api.Test;

class TdxQuoteTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] v4() throws Exception {
        return QuoteFixtures.all().getFirst().quote();
    }

    private static int sigLen(byte[] q) {
        return ByteBuffer.wrap(q, 632, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static void putU32(byte[] q, int at, long v) {
        ByteBuffer.wrap(q, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v);
    }

    @Test
    void realQuotesParseAndMatchTheirTcbInfoAndEventLog() throws Exception {
        for (QuoteFixtures.Fixture f : QuoteFixtures.all()) {
            TdxQuote q = TdxQuote.parse(f.quote());
            var tcb = f.tcbInfo();
            assertThat(q.version()).isEqualTo(4);
            assertThat(q.header().teeType()).isEqualTo(0x81);
            assertThat(q.header().attestationKeyType()).isEqualTo(2);
            assertThat(HEX.formatHex(q.header().qeVendorId())).isEqualTo("939a7233f79c4ca9940a0db3957f0607");
            assertThat(q.bodyType()).isEqualTo(TdxQuote.BODY_TD_REPORT_10);
            assertThat(q.tdReport().isV15()).isFalse();
            assertThat(q.tdReport().isDebug()).isFalse();
            assertThat(HEX.formatHex(q.tdReport().mrTd())).isEqualTo(tcb.get("mrtd").asText());
            for (int i = 0; i < 4; i++) {
                assertThat(HEX.formatHex(q.tdReport().rtmr(i))).as("rtmr%d of %s", i, f.file()).isEqualTo(tcb.get("rtmr" + i).asText());
            }
            // RTMR3 from the quote == replay of the event log (recomputed digests) == tcb_info.rtmr3
            EventLog log = EventLog.parse(tcb.get("event_log").toString());
            assertThat(log.replay(3)).isEqualTo(q.tdReport().rtmr3());
            assertThat(q.signedData()).hasSize(632);
            assertThat(q.trailingBytes()).isEqualTo(f.quote().length - 636 - sigLen(f.quote()));
        }
    }

    /** Proves the signature-data offsets: the QE report binds the attestation key, the chain is real X.509, signatures verify. */
    @Test
    void realQuoteSignatureDataIsConsistent() throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (QuoteFixtures.Fixture f : QuoteFixtures.all()) {
            TdxQuote q = TdxQuote.parse(f.quote());
            SignatureData sd = q.signatureData();
            assertThat(sd.certificationData().type()).isEqualTo(CertificationData.QE_REPORT);
            QeReportCertificationData qe = sd.qeReportCertificationData().orElseThrow();
            assertThat(qe.qeReport()).hasSize(384);

            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(sd.attestationKey());
            sha.update(qe.qeAuthData());
            assertThat(Arrays.copyOf(qe.qeReportBody().reportData(), 32)).isEqualTo(sha.digest());

            assertThat(qe.certificationData().type()).isEqualTo(CertificationData.PCK_CERT_CHAIN);
            String pem = qe.certificationData().pemChain().orElseThrow();
            assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----").endsWith("-----END CERTIFICATE-----\n").doesNotContain("\0");
            List<X509Certificate> chain = cf.generateCertificates(new ByteArrayInputStream(pem.getBytes()))
                    .stream().map(X509Certificate.class::cast).toList();
            assertThat(chain).hasSize(3);
            assertThat(chain.get(2).getSubjectX500Principal().getName()).contains("Intel SGX Root CA");

            assertThat(verifyP256(rawKey(sd.attestationKey()), q.signedData(), sd.ecdsaSignature())).isTrue();
            assertThat(verifyP256(chain.getFirst().getPublicKey(), qe.qeReport(), qe.qeReportSignature())).isTrue();
            byte[] tampered = q.signedData();
            tampered[520] ^= 1;
            assertThat(verifyP256(rawKey(sd.attestationKey()), tampered, sd.ecdsaSignature())).isFalse();
        }
    }

    private static PublicKey rawKey(byte[] xy) throws Exception {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        ECPoint point = new ECPoint(new BigInteger(1, Arrays.copyOf(xy, 32)), new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
    }

    private static boolean verifyP256(PublicKey key, byte[] data, byte[] rs) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initVerify(key);
        s.update(data);
        return s.verify(rs);
    }

    @Test
    void everyTruncationIsATypedError() throws Exception {
        byte[] q = v4();
        int end = 636 + sigLen(q);
        for (int len = 0; len < end; len++) {
            byte[] cut = Arrays.copyOf(q, len);
            assertThatThrownBy(() -> TdxQuote.parse(cut)).as("length %d", len).isInstanceOf(QuoteFormatException.class);
        }
        assertThat(TdxQuote.parse(Arrays.copyOf(q, end)).trailingBytes()).isZero();
    }

    @Test
    void truncationMessageNamesFieldAndOffset() throws Exception {
        assertThatThrownBy(() -> TdxQuote.parse(Arrays.copyOf(v4(), 200)))
                .isInstanceOfSatisfying(QuoteFormatException.class, e -> {
                    assertThat(e.offset()).isEqualTo(184);
                    assertThat(e.getMessage()).contains("mr_td", "truncated");
                });
        assertThatThrownBy(() -> TdxQuote.parse(null)).isInstanceOf(QuoteFormatException.class);
    }

    @Test
    void rejectsOtherVersionsTeeTypesAndKeyTypes() throws Exception {
        for (int version : new int[] {0, 3, 6, 0xffff}) {
            byte[] q = v4();
            q[0] = (byte) version;
            q[1] = (byte) (version >> 8);
            assertThatThrownBy(() -> TdxQuote.parse(q)).hasMessageContaining("version " + version);
        }
        byte[] sgx = v4();
        sgx[4] = 0;
        assertThatThrownBy(() -> TdxQuote.parse(sgx)).isInstanceOf(QuoteFormatException.class).hasMessageContaining("not TDX");
        byte[] p384 = v4();
        p384[2] = 3;
        assertThatThrownBy(() -> TdxQuote.parse(p384)).hasMessageContaining("key type 3");
    }

    @Test
    void signatureDataLengthMustMatchItsContents() throws Exception {
        byte[] q = v4();
        int len = sigLen(q);
        for (long bad : new long[] {0xffff_ffffL, 0x8000_0000L, q.length, len + 1, len - 1, 0}) {
            byte[] m = q.clone();
            putU32(m, 632, bad);
            assertThatThrownBy(() -> TdxQuote.parse(m)).as("sig len %d", bad).isInstanceOf(QuoteFormatException.class);
        }
        byte[] cert = q.clone();   // certification data size @ 636+128+2
        putU32(cert, 766, 0xffff_fff0L);
        assertThatThrownBy(() -> TdxQuote.parse(cert)).hasMessageContaining("certification_data");
        byte[] auth = q.clone();   // QE auth data size @ 770+384+64
        auth[1218] = (byte) 0xff;
        auth[1219] = (byte) 0xff;
        assertThatThrownBy(() -> TdxQuote.parse(auth)).isInstanceOf(QuoteFormatException.class);
    }

    /** Random corruption anywhere never escapes as an unchecked exception. */
    @Test
    void randomCorruptionNeverThrowsUnchecked() throws Exception {
        byte[] q = v4();
        Random rnd = new Random(42);
        int refused = 0;
        int parsed = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] m = Arrays.copyOf(q, rnd.nextInt(q.length + 1));
            for (int k = 0; k < 1 + rnd.nextInt(4) && m.length > 0; k++) {
                int at = rnd.nextInt(Math.min(m.length, 1300));
                m[at] = (byte) rnd.nextInt(256);
            }
            try {
                TdxQuote.parse(m);
                parsed++;
            } catch (QuoteFormatException e) {
                // typed, and by a real bound check: the catch-all that turns a crash into this type never fired
                assertThat(e.getMessage()).as("input %d", i).doesNotStartWith("unparseable quote");
                refused++;
            }
        }
        assertThat(refused).as("truncations are refused").isGreaterThan(2_500);
        assertThat(parsed).as("some corruptions only change fields").isPositive();
    }

    private static byte[] asV5(byte[] v4, int bodyType, byte[] extra, long declaredSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(5);
        out.write(0);
        out.write(v4, 2, 46);
        out.write(bodyType);
        out.write(0);
        byte[] size = new byte[4];
        putU32(size, 0, declaredSize);
        out.writeBytes(size);
        out.write(v4, 48, 584);
        out.writeBytes(extra);
        out.write(v4, 632, v4.length - 632);
        return out.toByteArray();
    }

    @Test
    void parsesV5WithTdReport10And15() throws Exception {
        byte[] q4 = v4();
        TdxQuote base = TdxQuote.parse(q4);

        TdxQuote v5 = TdxQuote.parse(asV5(q4, 2, new byte[0], 584));
        assertThat(v5.version()).isEqualTo(5);
        assertThat(v5.bodyType()).isEqualTo(2);
        assertThat(v5.tdReport()).isEqualTo(base.tdReport());
        assertThat(v5.signedData()).hasSize(48 + 6 + 584);
        assertThat(v5.signatureData()).isEqualTo(base.signatureData());

        byte[] extra = new byte[64];
        Arrays.fill(extra, 0, 16, (byte) 0x22);
        Arrays.fill(extra, 16, 64, (byte) 0x33);
        TdxQuote v15 = TdxQuote.parse(asV5(q4, 3, extra, 648));
        assertThat(v15.bodyType()).isEqualTo(3);
        assertThat(v15.tdReport().isV15()).isTrue();
        assertThat(v15.tdReport().teeTcbSvn2()).hasSize(16).containsOnly(0x22);
        assertThat(v15.tdReport().mrServiceTd()).hasSize(48).containsOnly(0x33);
        assertThat(v15.tdReport().rtmr3()).isEqualTo(base.tdReport().rtmr3());
        assertThat(v15.signedData()).hasSize(48 + 6 + 648);
    }

    @Test
    void v5BodyTypeAndSizeMustAgree() throws Exception {
        byte[] q4 = v4();
        assertThatThrownBy(() -> TdxQuote.parse(asV5(q4, 2, new byte[0], 648))).hasMessageContaining("must be 584 bytes");
        assertThatThrownBy(() -> TdxQuote.parse(asV5(q4, 3, new byte[0], 584))).hasMessageContaining("must be 648 bytes");
        assertThatThrownBy(() -> TdxQuote.parse(asV5(q4, 1, new byte[0], 384))).hasMessageContaining("body type 1");
    }

    @Test
    void recordsCopyInAndOutAndPrintHex() throws Exception {
        byte[] q = v4();
        TdxQuote parsed = TdxQuote.parse(q);
        byte[] rtmr3 = parsed.tdReport().rtmr3();
        rtmr3[0] ^= 1;
        q[520] ^= 1;
        assertThat(parsed.tdReport().rtmr3()).isNotEqualTo(rtmr3);
        assertThat(parsed.tdReport().rtmr3()[0]).isEqualTo((byte) (q[520] ^ 1));
        assertThat(parsed.tdReport().toString()).contains("rtmr3=" + HEX.formatHex(parsed.tdReport().rtmr3()));
        assertThat(parsed).isEqualTo(TdxQuote.parse(v4()));
        assertThatThrownBy(() -> new QuoteHeader(4, 2, 0x81, 0, 0, new byte[15], new byte[20]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
