package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.quote.TdxQuote;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Evidence re-signed by a test PKI: revocation, foreign roots, and TCB status outcomes the real
 * fixtures cannot show.
 */
class TestPkiVerificationTest {
    private static final String INTEL_ROOT_DN = "CN=Intel SGX Root CA,O=Intel Corporation,L=Santa Clara,ST=CA,C=US";
    private static Fixtures.Fixture fixture;
    private static TdxQuote real;
    private static X509Certificate realPck;
    private static Instant at;
    private static TestDcapPki pki;
    private static DcapVerifier verifier;

    @BeforeAll
    static void setUp() throws Exception {
        fixture = Fixtures.all().getLast();   // the one with TDX module identity levels
        real = TdxQuote.parse(fixture.quote());
        realPck = Pem.chain("pck", real.signatureData().qeReportCertificationData().orElseThrow().certificationData()
                .pemChain().orElseThrow()).getFirst();
        at = fixture.verifyAt();
        pki = new TestDcapPki(realPck, at);
        verifier = DcapVerifier.withTrustedRoot(pki.root);
    }

    private static String tcbInfo() {
        return fixture.collateral().tcbInfo();
    }

    private static String qeIdentity() {
        return fixture.collateral().qeIdentity();
    }

    private static Collateral collateral(String tcbInfo, String qeIdentity) throws Exception {
        return pki.collateral(tcbInfo, qeIdentity, Set.of(), Set.of());
    }

    private static DcapVerification verify(byte[] signed, Collateral c) throws Exception {
        return verifier.verify(pki.quote(signed, real), c, at, false);
    }

    private static String failing(DcapVerification v) {
        return v.firstFailure().map(Check::name).orElse("none");
    }

    /** Replaces the first {@code from} after {@code anchor}. */
    private static String replaceAfter(String json, String anchor, String from, String to) {
        int a = json.indexOf(anchor);
        int i = json.indexOf(from, a);
        assertThat(a).isNotNegative();
        assertThat(i).isNotNegative();
        return json.substring(0, i) + to + json.substring(i + from.length());
    }

    private static final String PLATFORM_LEVELS = "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\"";

    @Test
    void resignedEvidenceVerifiesUnderTheTestRootOnly() throws Exception {
        byte[] quote = pki.quote(real.signedData(), real);
        Collateral c = collateral(tcbInfo(), qeIdentity());

        DcapVerification ok = verifier.verify(quote, c, at, false);
        assertThat(ok.firstFailure()).as("%s", ok.checks()).isEmpty();
        assertThat(ok.valid()).isTrue();
        assertThat(ok.status()).isEqualTo("UpToDate");

        DcapVerification intel = DcapVerifier.intel().verify(quote, c, at, false);
        assertThat(intel.valid()).isFalse();
        assertThat(failing(intel)).isEqualTo("root-ca-crl");
        assertThat(intel.status()).isEqualTo(DcapVerification.UNKNOWN);
    }

    @Test
    void revokedPckCertificateIsRejected() throws Exception {
        DcapVerification v = verify(real.signedData(), pki.collateral(tcbInfo(), qeIdentity(), Set.of(), Set.of(pki.pck.getSerialNumber())));
        assertThat(v.valid()).isFalse();
        assertThat(failing(v)).isEqualTo("pck-certificate-chain");
        assertThat(v.check("pck-certificate-chain").orElseThrow().detail()).contains("revoked");
    }

    @Test
    void revokedPckCaIsRejected() throws Exception {
        DcapVerification v = verify(real.signedData(), pki.collateral(tcbInfo(), qeIdentity(), Set.of(pki.pckCa.getSerialNumber()), Set.of()));
        assertThat(failing(v)).isEqualTo("pck-crl");
        assertThat(v.firstFailure().orElseThrow().detail()).contains("revoked");
        assertThat(v.valid()).isFalse();
    }

    @Test
    void revokedTcbSigningCertificateIsRejected() throws Exception {
        DcapVerification v = verify(real.signedData(),
                pki.collateral(tcbInfo(), qeIdentity(), Set.of(pki.tcbSigning.getSerialNumber()), Set.of()));
        assertThat(failing(v)).isEqualTo("tcb-info-signature");
        assertThat(v.check("qe-identity-signature").orElseThrow().ok()).isFalse();
        assertThat(v.valid()).isFalse();
    }

    @Test
    void rootListedInItsOwnCrlIsRejected() throws Exception {
        DcapVerification v = verify(real.signedData(), pki.collateral(tcbInfo(), qeIdentity(), Set.of(pki.root.getSerialNumber()), Set.of()));
        assertThat(failing(v)).isEqualTo("root-ca-crl");
    }

    @Test
    void aRootNamedLikeIntelsIsNotIntels() throws Exception {
        TestDcapPki impostor = new TestDcapPki(realPck, at, INTEL_ROOT_DN);
        byte[] quote = impostor.quote(real.signedData(), real);
        DcapVerification v = DcapVerifier.intel().verify(quote, impostor.collateral(tcbInfo(), qeIdentity(), Set.of(), Set.of()), at, false);
        assertThat(v.valid()).isFalse();
        assertThat(failing(v)).isEqualTo("root-ca-crl");
        // and another test root does not vouch for it either
        assertThat(failing(verifier.verify(quote, impostor.collateral(tcbInfo(), qeIdentity(), Set.of(), Set.of()), at, false)))
                .isEqualTo("root-ca-crl");
    }

    @Test
    void aForgedPckCrlCannotRevokeARealPck() throws Exception {
        // a CRL naming Intel's PCK Platform CA as issuer and listing the real PCK, signed by a key that is not Intel's
        var key = TestDcapPki.p256();
        var b = new X509v2CRLBuilder(X500Name.getInstance(realPck.getIssuerX500Principal().getEncoded()), Date.from(at.minusSeconds(3600)));
        b.setNextUpdate(Date.from(at.plusSeconds(86400)));
        b.addCRLEntry(realPck.getSerialNumber(), Date.from(at.minusSeconds(7200)), CRLReason.keyCompromise);
        byte[] forged = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
        Collateral c = fixture.collateral();

        DcapVerification v = DcapVerifier.intel().verify(fixture.quote(), c.withCrls(c.rootCaCrl(), forged), at, false);
        assertThat(failing(v)).isEqualTo("pck-crl");
        assertThat(v.check("pck-crl").orElseThrow().detail()).contains("signature");
    }

    @Test
    void lowerPlatformLevelIsOutOfDateWithItsAdvisories() throws Exception {
        // the UpToDate level now needs PCESVN 12: the PCK (PCESVN 11) falls to the 2025-05-14 OutOfDate level
        String tcb = replaceAfter(tcbInfo(), PLATFORM_LEVELS, "\"pcesvn\":11", "\"pcesvn\":12");
        DcapVerification v = verify(real.signedData(), collateral(tcb, qeIdentity()));
        assertThat(v.firstFailure()).isEmpty();
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("OutOfDate");
        assertThat(v.advisoryIds()).containsExactly("INTEL-SA-01192", "INTEL-SA-01245", "INTEL-SA-01312", "INTEL-SA-01313");
    }

    @Test
    void upToDateWithInformationalAdvisoriesIsAcceptedAndTheIdsAreReported() throws Exception {
        // Intel's 2026 PCS attaches INTEL-DOC-… lifecycle advisories to UpToDate levels: UpToDate is still the gate
        String tcb = replaceAfter(tcbInfo(), PLATFORM_LEVELS, "\"tcbStatus\":\"UpToDate\"",
                "\"tcbStatus\":\"UpToDate\",\"advisoryIDs\":[\"INTEL-DOC-10000\"]");
        DcapVerification v = verify(real.signedData(), collateral(tcb, qeIdentity()));
        assertThat(v.firstFailure()).as("%s", v.checks()).isEmpty();
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("UpToDate");
        assertThat(v.advisoryIds()).containsExactly("INTEL-DOC-10000");

        Check accepted = v.statusAccepted(List.of("UpToDate"));
        assertThat(accepted.name()).isEqualTo(DcapVerification.TCB_STATUS_ACCEPTED);
        assertThat(accepted.ok()).isTrue();
        assertThat(accepted.detail()).contains("UpToDate is accepted", "INTEL-DOC-10000", "informational");
    }

    @Test
    void aLowerStatusIsNotAcceptedWhateverItsAdvisoriesAndTheyAreNamed() throws Exception {
        String tcb = replaceAfter(tcbInfo(), PLATFORM_LEVELS, "\"pcesvn\":11", "\"pcesvn\":12");
        DcapVerification v = verify(real.signedData(), collateral(tcb, qeIdentity()));
        assertThat(v.status()).isEqualTo("OutOfDate");

        Check rejected = v.statusAccepted(List.of("UpToDate"));
        assertThat(rejected.ok()).isFalse();
        assertThat(rejected.detail()).contains("OutOfDate is not among the accepted statuses UpToDate", "INTEL-SA-01192")
                .doesNotContain("informational");
        assertThat(v.statusAccepted(List.of("UpToDate", "OutOfDate")).ok()).isTrue();
    }

    @Test
    void configurationNeededPlatformWithOutOfDateQeConverges() throws Exception {
        String tcb = replaceAfter(tcbInfo(), PLATFORM_LEVELS, "\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"ConfigurationNeeded\"");
        String qe = qeIdentity().replace("\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2025-05-14T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]",
                "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":8},\"tcbDate\":\"2025-05-14T00:00:00Z\",\"tcbStatus\":\"UpToDate\"},"
                        + "{\"tcb\":{\"isvsvn\":5},\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"OutOfDate\",\"advisoryIDs\":[\"INTEL-SA-00999\"]}]");
        assertThat(qe).contains("INTEL-SA-00999");
        DcapVerification v = verify(real.signedData(), collateral(tcb, qe));
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("OutOfDateConfigurationNeeded");
        assertThat(v.advisoryIds()).containsExactly("INTEL-SA-00999");
    }

    @Test
    void revokedPlatformLevelIsInvalid() throws Exception {
        String tcb = replaceAfter(tcbInfo(), PLATFORM_LEVELS, "\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"Revoked\"");
        DcapVerification v = verify(real.signedData(), collateral(tcb, qeIdentity()));
        assertThat(v.valid()).isFalse();
        assertThat(v.status()).isEqualTo("Revoked");
        assertThat(failing(v)).isEqualTo("tcb-status");
    }

    @Test
    void olderTdxModuleTakesItsModuleLevel() throws Exception {
        byte[] signed = real.signedData();
        signed[48] = 7;   // tee_tcb_svn[0]: TDX_01 module ISVSVN 7 < 11 → the 2025-05-14 OutOfDate module level
        DcapVerification v = verify(signed, collateral(tcbInfo(), qeIdentity()));
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("OutOfDate");
        assertThat(v.advisoryIds()).containsExactly("INTEL-SA-01192", "INTEL-SA-01245", "INTEL-SA-01312");
        assertThat(v.check("tdx-module").orElseThrow().detail()).contains("TDX_01", "OutOfDate");
    }

    @Test
    void unknownTdxModuleVersionIsRejected() throws Exception {
        byte[] signed = real.signedData();
        signed[49] = 2;   // tee_tcb_svn[1]: module version 2, no TDX_02 identity
        DcapVerification v = verify(signed, collateral(tcbInfo(), qeIdentity()));
        assertThat(failing(v)).isEqualTo("tdx-module");
        assertThat(v.firstFailure().orElseThrow().detail()).contains("TDX_02");
    }

    @Test
    void debugTdIsRejectedUnlessAllowed() throws Exception {
        byte[] signed = real.signedData();
        signed[168] |= 1;   // td_attributes bit 0: DEBUG
        byte[] quote = pki.quote(signed, real);
        Collateral c = collateral(tcbInfo(), qeIdentity());
        DcapVerification strict = verifier.verify(quote, c, at, false);
        assertThat(strict.valid()).isFalse();
        assertThat(failing(strict)).isEqualTo("td-attributes");
        assertThat(strict.status()).isEqualTo("UpToDate");
        DcapVerification lenient = verifier.verify(quote, c, at, true);
        assertThat(lenient.valid()).isTrue();
        assertThat(lenient.check("td-attributes").orElseThrow().detail()).contains("DEBUG");
    }

    @Test
    void qeFromAnotherSignerIsRejected() throws Exception {
        String qe = qeIdentity().replace("DC9E2A7C", "DC9E2A7D");
        DcapVerification v = verify(real.signedData(), collateral(tcbInfo(), qe));
        assertThat(failing(v)).isEqualTo("qe-identity-match");
        assertThat(v.firstFailure().orElseThrow().detail()).contains("MRSIGNER");
    }

    @Test
    void tcbInfoForAnotherPlatformIsRejected() throws Exception {
        String tcb = tcbInfo().replace("\"fmspc\":\"B0C06F000000\"", "\"fmspc\":\"B0C06F000001\"");
        DcapVerification v = verify(real.signedData(), collateral(tcb, qeIdentity()));
        assertThat(failing(v)).isEqualTo("fmspc-pceid-match");
    }

    @Test
    void certificatesOutsideTheirValidityAreRejected() throws Exception {
        byte[] quote = pki.quote(real.signedData(), real);
        Collateral c = collateral(tcbInfo(), qeIdentity());
        Instant late = pki.pck.getNotAfter().toInstant().plusSeconds(1);
        DcapVerification v = verifier.verify(quote, c, late, false);
        assertThat(v.valid()).isFalse();
        assertThat(v.checks()).filteredOn(ch -> !ch.ok()).extracting(Check::detail).anyMatch(d -> d.contains("expired"));
    }

    @Test
    void revokedSerialsDoNotLeakToOtherCertificates() throws Exception {
        // a PCK CRL listing some other serial leaves this PCK valid
        DcapVerification v = verify(real.signedData(), pki.collateral(tcbInfo(), qeIdentity(), Set.of(), Set.of(BigInteger.valueOf(999))));
        assertThat(v.valid()).isTrue();
        assertThat(v.check("pck-crl").orElseThrow().detail()).contains("1 revoked");
    }
}
