package org.dstack4j.cluster.join;

import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.contract.RequestState;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.dstack4j.attestation.policy.ClusterKeyProvider;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.node.Newcomer;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.testing.MapPolicy;
import org.dstack4j.cluster.testing.Request;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 14 join checks on evidence from real simulator agents (the product's agent on unix sockets, quotes signed by
 * the shared TEST PKI): one passing join, then each check failing for the reason it exists. The policy is an
 * in-memory stand-in for the contract's {@code isAllowed}; its values are computed here from what the agents report,
 * not by the code under test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JoinChecksTest {
    private static final ClusterRef REF = new ClusterRef(31337, Address.parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"));
    private static final Instant CHAIN_TIME = Instant.parse("2026-06-01T00:00:00Z");
    private static final String OTHER_LAUNCHER = "services:\n  evil:\n    image: evil\n";
    private static final SecureRandom RND = new SecureRandom();

    @TempDir
    static Path dir;
    private ClusterSecret secret;
    private ClusterPublicKeys keys;
    private SimulatedCvm good;
    private SimulatedCvm otherMrtd;
    private SimulatedCvm debug;
    private SimulatedCvm otherCompose;
    private MapPolicy policy;
    private String compose;
    private org.dstack4j.attestation.dcap.Collateral collateral;

    @BeforeAll
    void startAgents() throws Exception {
        secret = ClusterSecret.generate(RND);
        keys = KeyDerivation.of(secret, REF).publicKeys();
        compose = SimulatedCvm.compose("cluster-node", REF, Optional.of(keys), true, SimulatedCvm.LAUNCHER_COMPOSE);
        good = SimulatedCvm.start(dir, "newcomer-good", compose, SimulatedCvm.profileWith("source", "default"));
        byte[] mrtd = good.profile().mrtd();
        mrtd[0] ^= 1;
        otherMrtd = SimulatedCvm.start(dir, "newcomer-mrtd", compose, SimulatedCvm.profileWith("mrtd", mrtd));
        byte[] attrs = good.profile().tdAttributes();
        attrs[0] |= 1; // TDATTRIBUTES.DEBUG
        debug = SimulatedCvm.start(dir, "newcomer-debug", compose, SimulatedCvm.profileWith("tdAttributes", attrs));
        ClusterPublicKeys otherKeys = KeyDerivation.of(ClusterSecret.generate(RND), REF).publicKeys();
        otherCompose = SimulatedCvm.start(dir, "newcomer-compose",
                SimulatedCvm.compose("other-node", REF, Optional.of(otherKeys), true, OTHER_LAUNCHER), SimulatedCvm.profileWith("source", "x"));

        collateral = good.collateral();
        policy = org.dstack4j.cluster.testing.NodePolicy.mapPolicy(good);
    }

    @AfterAll
    void stopAgents() {
        for (SimulatedCvm c : new SimulatedCvm[] {good, otherMrtd, debug, otherCompose}) if (c != null) c.close();
        secret.destroy();
    }

    private static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A newcomer on {@code cvm} prepares a request as the protocol says; returns the on-chain view and the evidence. */
    private record Join(Request request, byte[] evidence) {}

    private Join join(SimulatedCvm cvm) throws Exception {
        Address node = cvm.nodeAddress();
        ClusterPin pin = ClusterPin.fromCompose(cvm.compose()).orElseThrow();
        byte[] anchor = new byte[32];
        RND.nextBytes(anchor);
        try (Newcomer n = Newcomer.start(pin, node, RND)) {
            Evidence ev = cvm.evidence(n.reportData(anchor));
            Request r = new Request(BigInteger.valueOf(7), node, n.encKey(), 99, anchor, ev.hash(), 100, CHAIN_TIME,
                    RequestState.PENDING, false, 103, 50);
            return new Join(r, ev.encode());
        }
    }

    private JoinChecks checks(MapPolicy p, boolean allowTestRoot) throws Exception {
        return new JoinChecks(new MemberSettings(REF, keys, allowTestRoot), p, quote -> collateral);
    }

    private JoinOutcome run(Join j) throws Exception {
        return checks(policy, true).check(j.request(), j.evidence());
    }

    private static void assertFailed(JoinOutcome o, JoinCheck check, String reasonPart) {
        assertThat(o).isInstanceOf(JoinOutcome.Failed.class);
        JoinOutcome.Failed f = (JoinOutcome.Failed) o;
        assertThat(f.check()).as(f.reason()).isEqualTo(check);
        assertThat(f.reason()).contains(reasonPart);
    }

    @Test
    void aGoodNewcomerPassesAllFourteenChecks() throws Exception {
        JoinOutcome o = run(join(good));
        assertThat(o).as(o.toString()).isInstanceOf(JoinOutcome.Passed.class);
        assertThat(((JoinOutcome.Passed) o).details()).hasSize(14).first().asString().startsWith("request-pending");
    }

    /** A newcomer whose agent runs in cluster mode: its key-provider event names {@code cluster}. */
    private SimulatedCvm clusterKeyed(String seed, ClusterKeyProvider cluster) throws Exception {
        return SimulatedCvm.start(dir, seed, compose, SimulatedCvm.profileWith("source", "default"), Optional.of(cluster));
    }

    @Test
    void aClusterKeyedNewcomerNamingThisClusterPassesOnItsOwnMeasurement() throws Exception {
        try (SimulatedCvm c = clusterKeyed("newcomer-cluster-keyed", new ClusterKeyProvider(REF.chainId(), REF.contract().toLowerHex()))) {
            EventLogEntry kp = c.client().info().tcbInfo().eventLog().stream().filter(e -> e.event().equals("key-provider")).findFirst().orElseThrow();
            assertThat(new String(kp.payloadBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"name\":\"dstack4j-cluster\",\"id\":\"eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3\"}");
            Join j = join(c);
            JoinOutcome o = checks(org.dstack4j.cluster.testing.NodePolicy.mapPolicy(c), true).check(j.request(), j.evidence());
            assertThat(o).as(o.toString()).isInstanceOf(JoinOutcome.Passed.class);
            assertThat(((JoinOutcome.Passed) o).details()).hasSize(14);
            // the key provider is measured: a policy that allows only local-key CVMs of the same image refuses it
            assertFailed(run(j), JoinCheck.MEASUREMENT, "is not allowed");
        }
    }

    @Test
    void aKeyProviderNamingAnotherClusterFailsMeasurementEvenWhenAllowed() throws Exception {
        try (SimulatedCvm c = clusterKeyed("newcomer-other-cluster", new ClusterKeyProvider(REF.chainId(), "0x" + "22".repeat(20)))) {
            Join j = join(c);
            assertFailed(checks(org.dstack4j.cluster.testing.NodePolicy.mapPolicy(c), true).check(j.request(), j.evidence()), JoinCheck.MEASUREMENT,
                    "the key-provider event names cluster eip155:31337:0x" + "22".repeat(20) + ", not this cluster eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3");
        }
        try (SimulatedCvm c = clusterKeyed("newcomer-other-chain", new ClusterKeyProvider(1, REF.contract().toLowerHex()))) {
            Join j = join(c);
            assertFailed(checks(org.dstack4j.cluster.testing.NodePolicy.mapPolicy(c), true).check(j.request(), j.evidence()), JoinCheck.MEASUREMENT,
                    "names cluster eip155:1:0x5fbdb2315678afecb367f032d93f642f64180aa3, not this cluster eip155:31337:");
        }
    }

    @Test
    void wrongMrtdFailsMeasurement() throws Exception {
        assertFailed(run(join(otherMrtd)), JoinCheck.MEASUREMENT, "is not allowed");
    }

    @Test
    void anAgentsDebugTdFailsDebugTd() throws Exception {
        assertFailed(run(join(debug)), JoinCheck.DEBUG_TD, "DEBUG");
    }

    @Test
    void unknownComposeHashFailsComposeHashThenLauncherThenPin() throws Exception {
        Join j = join(otherCompose);
        assertFailed(run(j), JoinCheck.COMPOSE_HASH, "not an allowed COMPOSE_HASH");
        MapPolicy p = policy.copy().allow(PolicyKind.COMPOSE_HASH, sha256(otherCompose.compose()));
        assertFailed(checks(p, true).check(j.request(), j.evidence()), JoinCheck.LAUNCHER_COMPOSE, "not an allowed LAUNCHER_COMPOSE_HASH");
        p.allow(PolicyKind.LAUNCHER_COMPOSE_HASH, sha256(OTHER_LAUNCHER));
        assertFailed(checks(p, true).check(j.request(), j.evidence()), JoinCheck.CLUSTER_PIN, "does not pin this cluster's signer");
    }

    @Test
    void tcbStatusNotAllowedFailsTcbStatus() throws Exception {
        MapPolicy p = policy.copy().remove(PolicyKind.TCB_STATUS, Keccak.keccak256("UpToDate".getBytes(StandardCharsets.UTF_8)));
        Join j = join(good);
        assertFailed(checks(p, true).check(j.request(), j.evidence()), JoinCheck.TCB_STATUS, "UpToDate");
    }

    @Test
    void testRootWhereTheMemberSaysIntelFailsDcapRoot() throws Exception {
        Join j = join(good);
        assertFailed(checks(policy, false).check(j.request(), j.evidence()), JoinCheck.DCAP_ROOT, "allow only Intel's");
        MapPolicy noRoot = policy.copy().remove(PolicyKind.DCAP_ROOT, MessageDigest.getInstance("SHA-256").digest(good.testRoot().getEncoded()));
        assertFailed(checks(noRoot, true).check(j.request(), j.evidence()), JoinCheck.DCAP_ROOT, "not an allowed DCAP_ROOT");
    }

    @Test
    void aQuoteWhoseCertificatesExpiredAtTheRequestsChainTimeFailsDcap() throws Exception {
        Join j = join(good);
        // the test PKI (PCK chain and collateral alike) ends 2049-12-31: at a later request block the quote's own
        // certificates have expired, which no fresher collateral can cure, so it is a refusal
        assertFailed(run(new Join(j.request().withTime(Instant.parse("2050-01-02T00:00:00Z")), j.evidence())), JoinCheck.DCAP,
                "expired 2049-12-31");
    }

    /** The test collateral with its TCB info's validity moved to end at {@code nextUpdate}, re-signed with the test PKI's key. */
    private org.dstack4j.attestation.dcap.Collateral staleCollateral(String nextUpdate) {
        var pki = org.dstack4j.agent.pki.TestPki.create(new org.dstack4j.agent.pki.SeedKdf(SimulatedCvm.PKI_SEED), good.profile().pckTcb());
        String edited = collateral.tcbInfo().replace(org.dstack4j.agent.simulator.TestCollateral.NEXT_UPDATE, nextUpdate);
        assertThat(edited).isNotEqualTo(collateral.tcbInfo());
        return collateral.withTcbInfo(edited, pki.tcbSigningKey().signP1363(edited.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void staleCollateralFromTheHostDecidesNothingAndTheNextFetchDecides() throws Exception {
        Join j = join(good);
        var stale = staleCollateral("2026-01-01T00:00:00Z"); // before CHAIN_TIME: the host served an old copy
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        JoinChecks checks = new JoinChecks(new MemberSettings(REF, keys, true), policy, quote -> fetches.incrementAndGet() == 1 ? stale : collateral);
        JoinOutcome first = checks.check(j.request(), j.evidence());
        assertThat(first).isInstanceOfSatisfying(JoinOutcome.Undecided.class, u -> {
            assertThat(u.check()).isEqualTo(JoinCheck.DCAP);
            assertThat(u.reason()).contains("tcb-info-validity").contains("fetching it again");
        });
        // the next poll fetches again, gets current collateral and decides
        assertThat(checks.check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Passed.class);
        assertThat(fetches.get()).isEqualTo(2);
    }

    /**
     * The test collateral re-issued: TCB info and QE identity with {@code issueDate} and {@code tcbEvaluationDataNumber}
     * replaced (both before CHAIN_TIME, so valid at the request's time), optionally without the TDX module's identity
     * (a TCB info issued before that module existed), re-signed with the test PKI's TCB signing key.
     */
    private org.dstack4j.attestation.dcap.Collateral reissued(String tcbIssue, int tcbNumber, String qeIssue, int qeNumber, boolean withModule) {
        var pki = org.dstack4j.agent.pki.TestPki.create(new org.dstack4j.agent.pki.SeedKdf(SimulatedCvm.PKI_SEED), good.profile().pckTcb());
        String issue = "\"issueDate\":\"" + org.dstack4j.agent.simulator.TestCollateral.ISSUE_DATE + "\"";
        String number = "\"tcbEvaluationDataNumber\":1,";
        assertThat(collateral.tcbInfo()).contains(issue, number, "\"TDX_");
        assertThat(collateral.qeIdentity()).contains(issue, number);
        String tcb = collateral.tcbInfo().replace(issue, "\"issueDate\":\"" + tcbIssue + "\"")
                .replace(number, "\"tcbEvaluationDataNumber\":" + tcbNumber + ",");
        if (!withModule) tcb = tcb.replace("\"TDX_", "\"TDX_9"); // the quote's module id is no longer listed
        String qe = collateral.qeIdentity().replace(issue, "\"issueDate\":\"" + qeIssue + "\"")
                .replace(number, "\"tcbEvaluationDataNumber\":" + qeNumber + ",");
        return collateral.withTcbInfo(tcb, pki.tcbSigningKey().signP1363(tcb.getBytes(StandardCharsets.UTF_8)))
                .withQeIdentity(qe, pki.tcbSigningKey().signP1363(qe.getBytes(StandardCharsets.UTF_8)));
    }

    /** A member whose host serves the collateral {@code served} holds at each fetch. */
    private JoinChecks servedBy(java.util.concurrent.atomic.AtomicReference<org.dstack4j.attestation.dcap.Collateral> served) {
        return new JoinChecks(new MemberSettings(REF, keys, true), policy, quote -> served.get());
    }

    private static void assertStale(JoinOutcome o, String part) {
        assertThat(o).isInstanceOfSatisfying(JoinOutcome.Undecided.class, u -> {
            assertThat(u.check()).isEqualTo(JoinCheck.DCAP);
            assertThat(u.reason()).contains("stale").contains(part).contains("fetching it again");
        });
    }

    @Test
    void collateralOlderThanTheNewestVerifiedIsStaleAndDecidesNothing() throws Exception {
        Join j = join(good);
        var newer = reissued("2026-03-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 2, true);
        var served = new java.util.concurrent.atomic.AtomicReference<>(newer);
        JoinChecks checks = servedBy(served);
        assertThat(checks.check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Passed.class);
        // the same issue again, and a later one, still decide
        served.set(reissued("2026-03-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 2, true));
        assertThat(checks.check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Passed.class);
        // an older TCB info (lower evaluation number, or the same number issued earlier) is stale: nothing is decided,
        // though it would pass on its own
        served.set(collateral);
        assertStale(checks.check(j.request(), j.evidence()), "TCB info for FMSPC");
        served.set(reissued("2026-02-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 2, true));
        assertStale(checks.check(j.request(), j.evidence()), "issued 2026-02-01T00:00:00Z");
        // an older QE identity with a current TCB info is stale as well
        served.set(reissued("2026-03-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 1, true));
        assertStale(checks.check(j.request(), j.evidence()), "QE identity");
        // the floor rose: a newer issue decides, and the one before it is stale now
        served.set(reissued("2026-04-01T00:00:00Z", 3, "2026-04-01T00:00:00Z", 3, true));
        assertThat(checks.check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Passed.class);
        served.set(newer);
        assertStale(checks.check(j.request(), j.evidence()), "tcbEvaluationDataNumber 2");
        // a fresh member (a restart) has no floor: the old copy decides again
        assertThat(servedBy(served).check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Passed.class);
    }

    @Test
    void anOlderTcbInfoWithoutTheNewcomersTdxModuleIsStaleButTheNewestWithoutItIsARefusal() throws Exception {
        Join j = join(good);
        var served = new java.util.concurrent.atomic.AtomicReference<>(reissued("2026-03-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 2, true));
        JoinChecks checks = servedBy(served);
        assertThat(checks.check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Passed.class);
        // the host serves a still-valid TCB info issued before the newcomer's TDX module was listed: not a refusal
        served.set(reissued("2026-02-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 2, false));
        assertStale(checks.check(j.request(), j.evidence()), "TCB info");
        // the same failure on collateral not older than the floor is the newcomer's: refused
        served.set(reissued("2026-03-01T00:00:00Z", 2, "2026-03-01T00:00:00Z", 2, false));
        assertFailed(checks.check(j.request(), j.evidence()), JoinCheck.DCAP, "tdx-module");
        served.set(reissued("2026-05-01T00:00:00Z", 4, "2026-03-01T00:00:00Z", 2, false));
        assertFailed(checks.check(j.request(), j.evidence()), JoinCheck.DCAP, "tdx-module");
    }

    @Test
    void collateralTheHostTamperedWithDecidesNothingButABadQuoteIsRefused() throws Exception {
        Join j = join(good);
        byte[] sig = collateral.tcbInfoSignature();
        sig[7] ^= 1;
        var tampered = collateral.withTcbInfo(collateral.tcbInfo(), sig);
        JoinOutcome o = new JoinChecks(new MemberSettings(REF, keys, true), policy, quote -> tampered).check(j.request(), j.evidence());
        assertThat(o).isInstanceOfSatisfying(JoinOutcome.Undecided.class, u -> assertThat(u.reason()).contains("tcb-info-signature"));
        // with good collateral, a quote whose signature does not verify is the newcomer's failure: refused
        Evidence ev = Evidence.decode(j.evidence());
        byte[] quote = ev.quote();
        quote[48 + 300] ^= 1; // inside the TD report, which the attestation key signs
        Evidence bad = new Evidence(quote, ev.eventLog(), ev.appCompose());
        JoinOutcome refused = run(new Join(j.request().withEvidenceHash(bad.hash()), bad.encode()));
        assertFailed(refused, JoinCheck.DCAP, "quote-signature");
    }

    @Test
    void reportDataForAnotherAnchorKeyNodeContractOrChainFailsReportData() throws Exception {
        Join j = join(good);
        byte[] otherAnchor = j.request().anchorHash();
        otherAnchor[0] ^= 1;
        byte[] otherKey = j.request().encKey();
        otherKey[0] ^= 1;
        for (Request r : new Request[] {j.request().withAnchorHash(otherAnchor), j.request().withEncKey(otherKey),
                j.request().withNode(REF.contract())}) {
            assertFailed(run(new Join(r, j.evidence())), JoinCheck.REPORT_DATA, "does not bind");
        }
        for (ClusterRef other : new ClusterRef[] {new ClusterRef(1, REF.contract()), new ClusterRef(31337, j.request().node())}) {
            JoinChecks c = new JoinChecks(new MemberSettings(other, keys, true), policy, quote -> collateral);
            assertFailed(c.check(j.request(), j.evidence()), JoinCheck.REPORT_DATA, "does not bind");
        }
    }

    @Test
    void evidenceThatIsNotTheHashedOneFailsEvidenceHash() throws Exception {
        Join j = join(good);
        Join other = join(good); // genuine evidence, but not what this request committed to
        assertFailed(run(new Join(j.request(), other.evidence())), JoinCheck.EVIDENCE_HASH, "evidenceHash");
    }

    @Test
    void expiredOrAnsweredOrRemovedRequestsFailFirst() throws Exception {
        Join j = join(good);
        assertFailed(run(new Join(j.request().withConfirmedBlock(151), j.evidence())), JoinCheck.REQUEST_FRESH, "past the request's last block 150");
        assertThat(run(new Join(j.request().withConfirmedBlock(150), j.evidence()))).isInstanceOf(JoinOutcome.Passed.class);
        assertFailed(run(new Join(j.request().withState(RequestState.ONBOARDED, false), j.evidence())), JoinCheck.REQUEST_PENDING, "ONBOARDED");
        assertFailed(run(new Join(j.request().withState(RequestState.PENDING, true), j.evidence())), JoinCheck.REQUEST_PENDING, "removed");
    }

    @Test
    void anEditedEventLogFailsRtmr3Replay() throws Exception {
        Join j = join(good);
        Evidence ev = Evidence.decode(j.evidence());
        EventLog log = EventLog.parse(ev.eventLog());
        java.util.List<EventLogEntry> entries = new java.util.ArrayList<>(log.entries());
        entries.removeLast(); // drop the last RTMR3 event
        Evidence edited = new Evidence(ev.quote(), EventLog.of(entries).toJson(), ev.appCompose());
        assertFailed(run(new Join(j.request().withEvidenceHash(edited.hash()), edited.encode())), JoinCheck.RTMR3_REPLAY, "do not replay");
    }

    @Test
    void garbageQuoteFailsQuoteFormat() throws Exception {
        Join j = join(good);
        Evidence ev = Evidence.decode(j.evidence());
        Evidence bad = new Evidence(new byte[100], ev.eventLog(), ev.appCompose());
        assertFailed(run(new Join(j.request().withEvidenceHash(bad.hash()), bad.encode())), JoinCheck.QUOTE_FORMAT, "");
    }

    @Test
    void missingCollateralOrPolicyDecidesNothing() throws Exception {
        Join j = join(good);
        JoinChecks noCollateral = new JoinChecks(new MemberSettings(REF, keys, true), policy, quote -> {
            throw new CollateralSource.CollateralUnavailableException("relay refused", null);
        });
        assertThat(noCollateral.check(j.request(), j.evidence())).isEqualTo(new JoinOutcome.Undecided(JoinCheck.DCAP, "no collateral: relay refused"));
        assertThat(checks(policy.copy().down(), true).check(j.request(), j.evidence())).isInstanceOf(JoinOutcome.Undecided.class);
    }
}
