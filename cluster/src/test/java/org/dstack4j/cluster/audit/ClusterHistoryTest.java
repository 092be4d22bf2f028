package org.dstack4j.cluster.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;
import org.junit.jupiter.api.Test;

/** The audit's reading of the contract's events and its verdict tables, on hand-made event lists. */
class ClusterHistoryTest {
    private static final byte[] A = value(1);
    private static final byte[] B = value(2);
    private final List<ClusterContract.Emitted> events = new ArrayList<>();

    private static byte[] value(int b) {
        byte[] v = new byte[32];
        v[31] = (byte) b;
        return v;
    }

    private void at(long block, ClusterEvent e) {
        events.add(new ClusterContract.Emitted(e, block, new byte[32], events.size()));
    }

    @Test
    void thePolicyAtABlockReplaysAdditionsAndRemovalsUpToIt() {
        at(2, new ClusterEvent.PolicyProposed(PolicyKind.MEASUREMENT, A, 100));
        at(3, new ClusterEvent.PolicyAdded(PolicyKind.MEASUREMENT, A));
        at(3, new ClusterEvent.PolicyAdded(PolicyKind.COMPOSE_HASH, A));
        at(5, new ClusterEvent.PolicyRemoved(PolicyKind.MEASUREMENT, A));
        at(7, new ClusterEvent.PolicyProposed(PolicyKind.MEASUREMENT, A, 200));
        at(8, new ClusterEvent.PolicyAdded(PolicyKind.MEASUREMENT, A));
        at(9, new ClusterEvent.PolicyProposed(PolicyKind.IMAGE, B, 300));
        ClusterHistory h = ClusterHistory.of(events, 10);
        assertThat(h.policyAt(2).isAllowed(PolicyKind.MEASUREMENT, A)).isFalse();
        assertThat(h.policyAt(3).isAllowed(PolicyKind.MEASUREMENT, A)).isTrue();
        assertThat(h.policyAt(4).isAllowed(PolicyKind.COMPOSE_HASH, A)).isTrue();
        // kinds are separate: the same value of another kind is not allowed
        assertThat(h.policyAt(4).isAllowed(PolicyKind.LAUNCHER_COMPOSE_HASH, A)).isFalse();
        assertThat(h.policyAt(5).isAllowed(PolicyKind.MEASUREMENT, A)).isFalse();
        assertThat(h.policyAt(8).isAllowed(PolicyKind.MEASUREMENT, A)).isTrue();
        assertThat(h.policyChanged(5, 7)).isFalse();
        assertThat(h.policyChanged(4, 5)).isTrue();
        // proposals: the first was applied, the re-proposal too; the image is still pending with its eta
        assertThat(h.pendingProposals()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(PolicyKind.IMAGE);
            assertThat(p.value()).isEqualTo(B);
            assertThat(p.eta()).isEqualTo(300);
        });
    }

    @Test
    void answersRemovalsAndTheBootstrapAreFoundById() {
        Address node = Address.parse("0x" + "11".repeat(20));
        at(4, new ClusterEvent.JoinRequested(BigInteger.ONE, node, A, 3, B, new byte[] {1}));
        at(5, new ClusterEvent.JoinRequested(BigInteger.TWO, node, B, 4, B, new byte[] {2}));
        at(6, new ClusterEvent.Rejected(BigInteger.TWO, node, 11));
        at(7, new ClusterEvent.Onboarded(BigInteger.ONE, node, new byte[80]));
        at(9, new ClusterEvent.MemberRemoved(node));
        ClusterHistory h = ClusterHistory.of(events, 10);
        assertThat(h.answer(BigInteger.ONE).orElseThrow().blockNumber()).isEqualTo(7);
        assertThat(h.answer(BigInteger.TWO).orElseThrow().event()).isInstanceOf(ClusterEvent.Rejected.class);
        assertThat(h.answer(BigInteger.valueOf(3))).isEmpty();
        assertThat(h.joinRequested(BigInteger.TWO).orElseThrow().blockNumber()).isEqualTo(5);
        assertThat(h.removedBy(node, 8)).isFalse();
        assertThat(h.removedBy(node, 9)).isTrue();
        assertThat(h.bootstrapped()).isEmpty();
    }

    @Test
    void joinVerdicts() {
        JoinOutcome passed = new JoinOutcome.Passed(List.of());
        JoinOutcome measurement = new JoinOutcome.Failed(JoinCheck.MEASUREMENT, "x");
        JoinOutcome undecided = new JoinOutcome.Undecided(JoinCheck.DCAP, "no collateral");
        var onboarded = new AuditReport.ChainOutcome.Onboarded(9);
        var rejected11 = new AuditReport.ChainOutcome.Rejected(11, 9);
        var rejected9 = new AuditReport.ChainOutcome.Rejected(9, 9);
        assertThat(JoinAudit.verdict(passed, onboarded)).isEqualTo(AuditReport.Verdict.AGREES_PASSED);
        assertThat(JoinAudit.verdict(measurement, onboarded)).isEqualTo(AuditReport.Verdict.DISAGREES);
        assertThat(JoinAudit.verdict(measurement, rejected11)).isEqualTo(AuditReport.Verdict.AGREES_REFUSED);
        assertThat(JoinAudit.verdict(measurement, rejected9)).isEqualTo(AuditReport.Verdict.DISAGREES);
        assertThat(JoinAudit.verdict(passed, rejected11)).isEqualTo(AuditReport.Verdict.DISAGREES);
        assertThat(JoinAudit.verdict(passed, new AuditReport.ChainOutcome.Pending())).isEqualTo(AuditReport.Verdict.PENDING);
        assertThat(JoinAudit.verdict(undecided, onboarded)).isEqualTo(AuditReport.Verdict.UNDECIDED);
        // exit codes are distinct per verdict: the CLI documents them
        assertThat(List.of(AuditReport.Verdict.values())).extracting(AuditReport.Verdict::exitCode).containsExactly(0, 3, 4, 5, 6);
    }

    @Test
    void genesisVerdicts() {
        JoinOutcome passed = new JoinOutcome.Passed(List.of());
        JoinOutcome failed = new JoinOutcome.Failed(JoinCheck.REPORT_DATA, "x");
        var boot = new AuditReport.ChainOutcome.Bootstrapped(3);
        var none = new AuditReport.ChainOutcome.NotBootstrapped(Optional.empty());
        assertThat(GenesisAudit.verdict(passed, true, boot)).isEqualTo(AuditReport.Verdict.AGREES_PASSED);
        assertThat(GenesisAudit.verdict(passed, false, boot)).isEqualTo(AuditReport.Verdict.DISAGREES);
        assertThat(GenesisAudit.verdict(failed, true, boot)).isEqualTo(AuditReport.Verdict.DISAGREES);
        assertThat(GenesisAudit.verdict(passed, true, none)).isEqualTo(AuditReport.Verdict.PENDING);
        assertThat(GenesisAudit.verdict(failed, true, none)).isEqualTo(AuditReport.Verdict.AGREES_REFUSED);
    }

    @Test
    void resultsListEveryCheckPassedFailedOrNotRun() {
        var trace = new JoinChecks.Trace(List.of(new JoinChecks.Step(JoinCheck.REQUEST_PENDING, "pending"),
                new JoinChecks.Step(JoinCheck.REQUEST_FRESH, "live")), new JoinOutcome.Failed(JoinCheck.EVIDENCE_HASH, "not the hashed one"));
        var r = AuditReport.results(List.of(JoinCheck.values()), trace);
        assertThat(r).hasSize(14);
        assertThat(r.get(0).result()).isEqualTo(AuditReport.Result.PASS);
        assertThat(r.get(1).detail()).isEqualTo("live");
        assertThat(r.get(2).result()).isEqualTo(AuditReport.Result.FAIL);
        assertThat(r.get(2).detail()).isEqualTo("not the hashed one");
        assertThat(r.subList(3, 14)).allMatch(c -> c.result() == AuditReport.Result.NOT_RUN);
    }
}
