package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which issue of Intel's collateral a real fixture holds, and how issues order (what a member's collateral floor compares). */
class CollateralIssueTest {
    @Test
    void aRealFixturesIssueIsReadFromItsTcbInfoAndQeIdentity() {
        Fixtures.Fixture f = Fixtures.all().stream().filter(x -> x.name().equals("2026-08-14")).findFirst().orElseThrow();
        CollateralIssue issue = PreparedCollateral.of(f.collateral()).issue().orElseThrow();
        assertThat(issue.fmspc()).isEqualTo("B0C06F000000");
        assertThat(issue.tcbInfo()).isEqualTo(new CollateralIssue.Issue(20, Instant.parse("2026-08-13T10:45:38Z")));
        assertThat(issue.qeIdentity()).isEqualTo(new CollateralIssue.Issue(19, Instant.parse("2026-08-12T23:57:43Z")));
    }

    @Test
    void issuesOrderByEvaluationNumberThenIssueDate() {
        var older = new CollateralIssue.Issue(19, Instant.parse("2026-09-01T00:00:00Z"));
        var newer = new CollateralIssue.Issue(20, Instant.parse("2026-08-01T00:00:00Z"));
        var reissued = new CollateralIssue.Issue(20, Instant.parse("2026-08-02T00:00:00Z"));
        assertThat(older).isLessThan(newer);
        assertThat(newer).isLessThan(reissued);
        assertThat(reissued.compareTo(new CollateralIssue.Issue(20, Instant.parse("2026-08-02T00:00:00Z")))).isZero();
    }

    @Test
    void collateralWhoseDocumentsDoNotParseHasNoIssue() {
        Collateral c = Fixtures.first().collateral();
        assertThat(PreparedCollateral.of(c.withTcbInfo("{}", c.tcbInfoSignature())).issue()).isEmpty();
        assertThat(PreparedCollateral.of(c.withQeIdentity("not json", c.qeIdentitySignature())).issue()).isEmpty();
    }
}
