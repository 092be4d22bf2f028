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

    @ParameterizedTest
    @MethodSource("fixtures")
    void realQuoteIsUpToDateAnHourAfterTcbInfoIssue(Fixtures.Fixture f) {
        DcapVerification v = DcapVerifier.intel().verify(f.quote(), f.collateral(), f.verifyAt(), false);
        assertThat(v.firstFailure()).as("%s", v.checks()).isEmpty();
        assertThat(v.valid()).isTrue();
        assertThat(v.status()).isEqualTo("UpToDate");
        assertThat(v.advisoryIds()).isEmpty();
        assertThat(v.checks()).extracting(Check::name).containsExactly("quote-format", "quote-header", "root-ca-crl", "pck-crl",
                "tcb-info-signature", "tcb-info-validity", "qe-identity-signature", "qe-identity-validity",
                "pck-certificate-chain", "pck-sgx-extension", "qe-report-signature", "attestation-key-binding",
                "qe-identity-match", "quote-signature", "fmspc-pceid-match", "tdx-module", "tcb-level", "tcb-status",
                "td-attributes");
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
}
