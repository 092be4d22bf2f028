package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.dstack4j.attestation.Check;
import org.junit.jupiter.api.Test;

/** {@link DcapVerifier#verify} answers every input with a result, never an exception. */
class HostileInputTest {

    @Test
    void randomQuoteCorruptionNeverThrowsAndIsNeverValid() {
        Fixtures.Fixture f = Fixtures.first();
        PreparedCollateral c = PreparedCollateral.of(f.collateral());
        byte[] q = f.quote();
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            byte[] m = Arrays.copyOf(q, rnd.nextBoolean() ? q.length : rnd.nextInt(q.length));
            int at = rnd.nextInt(Math.min(m.length, 1300) + 1);
            if (at < m.length) m[at] ^= (byte) (1 + rnd.nextInt(255));
            if (Arrays.equals(m, q)) continue;
            DcapVerification v = DcapVerifier.intel().verify(m, c, f.verifyAt(), false);
            assertNoCatchAll(v, "corrupted byte " + at + " of " + m.length);
            // a flip in the trailing zero padding or the unsigned certification data's PEM whitespace may still verify;
            // everything else must not
            if (v.valid()) assertThat(at).as("valid after corrupting byte %d", at).isGreaterThan(1258);
        }
    }

    @Test
    void garbageCollateralBecomesFailedChecks() {
        Fixtures.Fixture f = Fixtures.first();
        Collateral garbage = new Collateral("not pem", new byte[] {1, 2, 3}, new byte[0], "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----",
                "{", new byte[3], "", "[]", new byte[64], Optional.of("junk"));
        DcapVerification v = DcapVerifier.intel().verify(f.quote(), garbage, f.verifyAt(), false);
        assertNoCatchAll(v, "garbage collateral");
        assertThat(v.valid()).isFalse();
        assertThat(v.status()).isEqualTo(DcapVerification.UNKNOWN);
        assertThat(v.firstFailure()).map(Check::name).contains("root-ca-crl");
        assertThat(v.quote()).isPresent();
        assertThat(v.check("quote-signature").orElseThrow().ok()).isTrue();
    }

    @Test
    void tcbInfoThatIsSignedButMalformedIsAFailedCheck() throws Exception {
        Fixtures.Fixture f = Fixtures.all().getLast();
        var real = org.dstack4j.attestation.quote.TdxQuote.parse(f.quote());
        var pck = Pem.chain("pck", real.signatureData().qeReportCertificationData().orElseThrow().certificationData().pemChain().orElseThrow()).getFirst();
        TestDcapPki pki = new TestDcapPki(pck, f.verifyAt());
        for (String tcb : new String[] {"{}", "[]", "{\"id\":\"TDX\",\"version\":\"3\"}", "null",
                f.collateral().tcbInfo().replace("\"fmspc\":\"B0C06F000000\"", "\"fmspc\":\"B0C06F\""),
                f.collateral().tcbInfo().replace("\"issueDate\":\"2026-08-13T10:45:38Z\"", "\"issueDate\":\"yesterday\""),
                f.collateral().tcbInfo().replace("UpToDate", "Fine")}) {
            Collateral c = pki.collateral(tcb, f.collateral().qeIdentity(), java.util.Set.of(), java.util.Set.of());
            DcapVerification v = DcapVerifier.withTrustedRoot(pki.root).verify(pki.quote(real.signedData(), real), c, f.verifyAt(), false);
            assertNoCatchAll(v, tcb);
            assertThat(v.valid()).isFalse();
            assertThat(v.check("tcb-info-signature").orElseThrow().ok()).isTrue();
            assertThat(v.firstFailure()).map(Check::name).as(tcb).contains("tcb-info-validity");
        }
    }

    /**
     * The verifier's catch-alls turn a crash into a failed check; a failure must come from a real check
     * instead, so a crash hidden behind "never throws" fails this test.
     */
    static void assertNoCatchAll(DcapVerification v, String input) {
        assertThat(v.checks()).as(input).noneMatch(c -> c.name().equals("internal-error"));
        assertThat(v.checks()).extracting(Check::detail).as(input)
                .noneMatch(d -> d.startsWith("unexpected ") || d.contains("unparseable"));
    }

    @Test
    void nullsAreFailedResults() {
        Fixtures.Fixture f = Fixtures.first();
        assertThat(DcapVerifier.intel().verify(null, f.collateral(), Instant.now(), false).valid()).isFalse();
        assertThat(DcapVerifier.intel().verify(f.quote(), (Collateral) null, Instant.now(), false).valid()).isFalse();
        assertThat(DcapVerifier.intel().verify(f.quote(), f.collateral(), null, false).firstFailure()).map(Check::detail)
                .hasValueSatisfying(d -> assertThat(d).contains("time"));
    }

    @Test
    void pinnedRootIsIntelsAndHasTheKeyDcapQvlPins() {
        assertThat(IntelRootCa.fingerprint(IntelRootCa.certificate())).isEqualTo(IntelRootCa.SHA256_FINGERPRINT);
        // SubjectPublicKeyInfo of dcap-qvl's DCAP_SERVER_ROOTS trust anchor (src/constants.rs)
        String dcapQvlSpki = "3059301306072a8648ce3d020106082a8648ce3d030107034200040ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f567918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394";
        assertThat(HexFormat.of().formatHex(IntelRootCa.certificate().getPublicKey().getEncoded())).isEqualTo(dcapQvlSpki);
        // and it is the root every fixture chain ends in
        for (Fixtures.Fixture f : Fixtures.all()) {
            assertThat(f.collateral().tcbInfoIssuerChain()).contains(IntelRootCa.PEM.lines().skip(1).findFirst().orElseThrow());
        }
    }

    @Test
    void statusConvergenceFollowsIntel() {
        assertThat(TcbStatus.UpToDate.convergeWith(TcbStatus.UpToDate)).isEqualTo(TcbStatus.UpToDate);
        assertThat(TcbStatus.UpToDate.convergeWith(TcbStatus.OutOfDate)).isEqualTo(TcbStatus.OutOfDate);
        assertThat(TcbStatus.SWHardeningNeeded.convergeWith(TcbStatus.UpToDate)).isEqualTo(TcbStatus.SWHardeningNeeded);
        assertThat(TcbStatus.ConfigurationNeeded.convergeWith(TcbStatus.OutOfDate)).isEqualTo(TcbStatus.OutOfDateConfigurationNeeded);
        assertThat(TcbStatus.ConfigurationAndSWHardeningNeeded.convergeWith(TcbStatus.OutOfDate))
                .isEqualTo(TcbStatus.OutOfDateConfigurationNeeded);
        assertThat(TcbStatus.OutOfDate.convergeWith(TcbStatus.Revoked)).isEqualTo(TcbStatus.Revoked);
        assertThat(TcbStatus.Revoked.convergeWith(TcbStatus.UpToDate)).isEqualTo(TcbStatus.Revoked);
        assertThat(TcbStatus.parse("OutOfDateConfigurationNeeded")).contains(TcbStatus.OutOfDateConfigurationNeeded);
        assertThat(TcbStatus.parse("uptodate")).isEmpty();
    }
}
