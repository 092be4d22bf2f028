package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.temporal.ChronoUnit;
import java.util.List;
import org.dstack4j.attestation.Check;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RealQuoteVerificationTest {
    static List<Fixtures.Fixture> fixtures() {
        return Fixtures.all();
    }

    /** The captures whose collateral carries a pck_certificate_chain (filtered, not skipped: never empty). */
    static List<Fixtures.Fixture> fixturesWithCollateralPckChain() {
        List<Fixtures.Fixture> with = Fixtures.all().stream().filter(f -> f.collateral().pckCertificateChain().isPresent())
                .toList();
        assertThat(with).as("captures with a collateral pck_certificate_chain").isNotEmpty();
        return with;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void realQuoteIsUpToDateAnHourAfterTcbInfoIssue(Fixtures.Fixture f) {
        DcapVerification v = DcapVerifier.intel().verify(f.quote(), f.collateral(), f.verifyAt(), false);
        assertThat(v.firstFailure()).as("%s", v.checks()).isEmpty();
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("UpToDate");
        assertThat(v.advisoryIds()).isEmpty();
        var expected = new java.util.ArrayList<>(java.util.List.of("quote-format", "quote-header", "root-ca-crl", "pck-crl",
                "tcb-info-signature", "tcb-info-validity", "qe-identity-signature", "qe-identity-validity",
                "pck-certificate-chain", "pck-sgx-extension", "qe-report-signature", "attestation-key-binding",
                "qe-identity-match", "quote-signature", "fmspc-pceid-match", "tdx-module", "tcb-level", "tcb-status",
                "td-attributes"));
        if (f.collateral().pckCertificateChain().isPresent()) {
            expected.add(expected.indexOf("pck-certificate-chain") + 1, "collateral-pck-chain");
        }
        assertThat(v.checks()).extracting(Check::name).containsExactlyElementsOf(expected);
        assertThat(v.quote()).isPresent();
        assertThat(v.check("fmspc-pceid-match").orElseThrow().detail()).contains("b0c06f000000");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void expiredCollateralIsRejected(Fixtures.Fixture f) throws Exception {
        var tcb = Fixtures.JSON.readTree(f.collateral().tcbInfo());
        var after = java.time.Instant.parse(tcb.get("nextUpdate").asText()).plus(1, ChronoUnit.SECONDS);
        DcapVerification v = DcapVerifier.intel().verify(f.quote(), f.collateral(), after, false);
        assertThat(v.valid()).isFalse();
        assertThat(v.checks()).filteredOn(c -> !c.ok()).extracting(Check::detail).anyMatch(d -> d.contains("expired"));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void collateralNotYetIssuedIsRejected(Fixtures.Fixture f) throws Exception {
        var tcb = Fixtures.JSON.readTree(f.collateral().tcbInfo());
        var before = java.time.Instant.parse(tcb.get("issueDate").asText()).minus(1, ChronoUnit.SECONDS);
        DcapVerification v = DcapVerifier.intel().verify(f.quote(), f.collateral(), before, false);
        assertThat(v.valid()).isFalse();
        assertThat(v.check("tcb-info-validity").orElseThrow().ok()).isFalse();
        assertThat(v.check("tcb-info-validity").orElseThrow().detail()).contains("not yet valid");
    }

    @ParameterizedTest
    @MethodSource("fixturesWithCollateralPckChain")
    void pckCertificateEditedInTheCollateralChainIsRejected(Fixtures.Fixture f) throws Exception {
        String pem = f.collateral().pckCertificateChain().get();
        // Change one base64 character inside the first (leaf) certificate's body.
        int at = pem.indexOf('\n', pem.indexOf("BEGIN CERTIFICATE")) + 200;
        char c = pem.charAt(at);
        String edited = pem.substring(0, at) + (c == 'A' ? 'B' : 'A') + pem.substring(at + 1);
        Collateral col = f.collateral();
        Collateral tampered = new Collateral(col.pckCrlIssuerChain(), col.rootCaCrl(), col.pckCrl(), col.tcbInfoIssuerChain(),
                col.tcbInfo(), col.tcbInfoSignature(), col.qeIdentityIssuerChain(), col.qeIdentity(), col.qeIdentitySignature(),
                java.util.Optional.of(edited));

        DcapVerification v = DcapVerifier.intel().verify(f.quote(), tampered, f.verifyAt(), false);

        assertThat(v.valid()).isFalse();
        assertThat(v.firstFailure().orElseThrow().name()).isEqualTo("collateral-pck-chain");
    }
}
