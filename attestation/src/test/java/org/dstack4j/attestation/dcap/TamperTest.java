package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.dstack4j.attestation.Check;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every edit of a real quote or its collateral is rejected, by the check responsible for that part. */
class TamperTest {
    // TDX quote v4 offsets: header 0, TD report 48, sig data 636 (signature, attestation key, type 6 at 764,
    // QE report 770, QE report signature 1154, QE auth data length 1218, auth data 1220, type 5 at 1252, PEM 1258)
    private static final int PEM_AT = 1258;
    private static final java.util.Map<String, PreparedCollateral> PREPARED = new java.util.concurrent.ConcurrentHashMap<>();

    record Case(String name, UnaryOperator<byte[]> quote, UnaryOperator<Collateral> collateral, String failingCheck) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static UnaryOperator<byte[]> flip(int offset) {
        return q -> {
            byte[] m = q.clone();
            m[offset] ^= 0x01;
            return m;
        };
    }

    private static byte[] flipped(byte[] b, int offset) {
        byte[] m = b.clone();
        m[offset] ^= 0x01;
        return m;
    }

    /** Replaces one base64 character inside the PCK leaf certificate of the quote's PEM chain. */
    private static byte[] editPckCertificate(byte[] q, int at) {
        byte[] m = q.clone();
        int i = PEM_AT + "-----BEGIN CERTIFICATE-----\n".length() + at;
        m[i] = (byte) (m[i] == 'A' ? 'B' : 'A');
        return m;
    }

    private static String editOneChar(String json, String from, String to) {
        assertThat(json).contains(from);
        assertThat(from).hasSameSizeAs(to);
        return json.replaceFirst(java.util.regex.Pattern.quote(from), to);
    }

    static Stream<Arguments> cases() {
        UnaryOperator<byte[]> same = q -> q;
        UnaryOperator<Collateral> asIs = c -> c;
        List<Case> cases = List.of(
                new Case("header qe_vendor_id", flip(12), asIs, "quote-header"),
                new Case("header qe_svn", flip(8), asIs, "quote-signature"),
                new Case("header user_data", flip(30), asIs, "quote-signature"),
                new Case("body tee_tcb_svn", flip(48), asIs, "quote-signature"),
                new Case("body mr_td", flip(184), asIs, "quote-signature"),
                new Case("body rtmr0", flip(376), asIs, "quote-signature"),
                new Case("body rtmr3", flip(520), asIs, "quote-signature"),
                new Case("body report_data", flip(568), asIs, "quote-signature"),
                new Case("body report_data end", flip(631), asIs, "quote-signature"),
                new Case("quote signature r", flip(640), asIs, "quote-signature"),
                new Case("quote signature s", flip(699), asIs, "quote-signature"),
                new Case("attestation key", flip(710), asIs, "attestation-key-binding"),
                new Case("QE report mr_signer", flip(770 + 130), asIs, "qe-report-signature"),
                new Case("QE report report_data", flip(770 + 320), asIs, "qe-report-signature"),
                new Case("QE report signature", flip(1160), asIs, "qe-report-signature"),
                new Case("QE auth data", flip(1225), asIs, "attestation-key-binding"),
                new Case("PCK certificate body", q -> editPckCertificate(q, 300), asIs, "pck-certificate-chain"),
                new Case("PCK certificate key", q -> editPckCertificate(q, 420), asIs, "pck-certificate-chain"),
                new Case("tcb_info one char", same,
                        c -> c.withTcbInfo(editOneChar(c.tcbInfo(), "\"pceId\":\"0000\"", "\"pceId\":\"0001\""), c.tcbInfoSignature()),
                        "tcb-info-signature"),
                new Case("tcb_info status", same,
                        c -> c.withTcbInfo(editOneChar(c.tcbInfo(), "\"tcbStatus\":\"OutOfDate\"", "\"tcbStatus\":\"OutOfDatx\""),
                                c.tcbInfoSignature()),
                        "tcb-info-signature"),
                new Case("tcb_info_signature", same, c -> c.withTcbInfo(c.tcbInfo(), flipped(c.tcbInfoSignature(), 5)),
                        "tcb-info-signature"),
                new Case("qe_identity one char", same,
                        c -> c.withQeIdentity(editOneChar(c.qeIdentity(), "\"isvprodid\":2", "\"isvprodid\":3"), c.qeIdentitySignature()),
                        "qe-identity-signature"),
                new Case("qe_identity_signature", same, c -> c.withQeIdentity(c.qeIdentity(), flipped(c.qeIdentitySignature(), 40)),
                        "qe-identity-signature"),
                new Case("root_ca_crl signature", same, c -> c.withCrls(flipped(c.rootCaCrl(), c.rootCaCrl().length - 3), c.pckCrl()),
                        "root-ca-crl"),
                new Case("pck_crl signature", same, c -> c.withCrls(c.rootCaCrl(), flipped(c.pckCrl(), c.pckCrl().length - 3)),
                        "pck-crl"),
                new Case("pck_crl swapped for root CA CRL", same, c -> c.withCrls(c.rootCaCrl(), c.rootCaCrl()), "pck-crl"),
                new Case("tcb_info_issuer_chain leaf", same, c -> new Collateral(c.pckCrlIssuerChain(), c.rootCaCrl(), c.pckCrl(),
                        editPem(c.tcbInfoIssuerChain()), c.tcbInfo(), c.tcbInfoSignature(), c.qeIdentityIssuerChain(),
                        c.qeIdentity(), c.qeIdentitySignature(), c.pckCertificateChain()), "tcb-info-signature"),
                new Case("truncated quote", q -> java.util.Arrays.copyOf(q, 1000), asIs, "quote-format"));
        return Fixtures.all().stream().flatMap(f -> cases.stream().map(c -> Arguments.of(f, c)));
    }

    private static String editPem(String pem) {
        byte[] b = pem.getBytes(StandardCharsets.US_ASCII);
        int i = "-----BEGIN CERTIFICATE-----\n".length() + 250;
        b[i] = (byte) (b[i] == 'A' ? 'B' : 'A');
        return new String(b, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void tamperedEvidenceIsRejectedByTheResponsibleCheck(Fixtures.Fixture f, Case c) {
        Collateral original = f.collateral();
        Collateral collateral = c.collateral().apply(original);
        // untampered collateral: reuse one prepared copy per fixture (its chain and CRL signatures are cached)
        PreparedCollateral prepared = collateral.equals(original)
                ? PREPARED.computeIfAbsent(f.name(), n -> PreparedCollateral.of(original))
                : PreparedCollateral.of(collateral);
        DcapVerification v = DcapVerifier.intel().verify(c.quote().apply(f.quote()), prepared, f.verifyAt(), false);

        assertThat(v.valid()).isFalse();
        assertThat(v.firstFailure()).map(Check::name).as("%s", v.checks()).contains(c.failingCheck());
        assertThat(v.status()).isEqualTo(DcapVerification.UNKNOWN);
        assertThat(v.advisoryIds()).isEmpty();
    }
}
