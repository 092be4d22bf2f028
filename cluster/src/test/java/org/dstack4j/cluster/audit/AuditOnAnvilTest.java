package org.dstack4j.cluster.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.Block;
import org.dstack4j.chain.rpc.BlockRef;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.Log;
import org.dstack4j.chain.rpc.LogFilter;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.evm.EvmClusterView;
import org.dstack4j.cluster.join.ClusterPolicy;
import org.dstack4j.cluster.join.CollateralSource;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.join.RequestView;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.node.Genesis;
import org.dstack4j.cluster.node.Member;
import org.dstack4j.cluster.node.Newcomer;
import org.dstack4j.cluster.testing.MapPolicy;
import org.dstack4j.cluster.testing.NodePolicy;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audits on a real anvil with the compiled contract and real simulator agents: a genesis before and after
 * bootstrap; an onboarded request, a rejected one, a request onboarded by a member whose policy read was lied to (the
 * audit disagrees), a request rejected with a check that passes (disagrees), an unanswered one (pending, or undecided
 * without collateral), and an onboarded one audited again after the governor removed its values (the policy of the
 * request block still applies).
 */
class AuditOnAnvilTest {
    private static final SecureRandom RND = new SecureRandom();

    @TempDir
    Path dir;

    private Anvil anvil;
    private ClusterRef ref;
    private Collateral collateral;

    @Test
    void auditsAgreeWithHonestAnswersAndDisagreeWithLiedOnes() throws Exception {
        try (Anvil a = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20))) {
            anvil = a;
            BigInteger chainId = anvil.chainId();
            TransactionSender governor = new TransactionSender(anvil.rpc(), anvil.account(0), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
            TransactionSender operator = new TransactionSender(anvil.rpc(), anvil.account(1), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
            ClusterContract contract = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
            contract.writes(governor).setOperator(operator.from(), true);
            ref = new ClusterRef(chainId.longValueExact(), contract.address());

            // genesis, audited before and after bootstrap
            SimulatedCvm g = SimulatedCvm.start(dir, "genesis", SimulatedCvm.compose("cluster-node", ref, Optional.empty(), true,
                    SimulatedCvm.LAUNCHER_COMPOSE), SimulatedCvm.profileWith("source", "g"));
            collateral = g.collateral();
            allow(contract, governor, NodePolicy.of(g));
            DstackAttestor ga = new DstackAttestor(g.client(), g.compose());
            Genesis genesis = Genesis.draw(ClusterPin.fromCompose(g.compose()).orElseThrow(), ga.nodeAddress(), RND);
            Block anchor = head();
            BigInteger gid = contract.writes(operator).submitGenesis(anchor.number(), ga.nodeAddress(), genesis.keys().signer(),
                    genesis.keys().encKey(), ga.evidence(genesis.reportData(anchor.hash())).encode());
            AuditReport before = genesisAudit();
            assertThat(before.verdict()).as(before.toString()).isEqualTo(AuditReport.Verdict.PENDING);
            assertThat(before.checks()).hasSize(12).allMatch(c -> c.result() == AuditReport.Result.PASS);
            contract.writes(governor).bootstrap(gid, ga.nodeAddress());
            AuditReport after = genesisAudit();
            assertThat(after.verdict()).as(after.toString()).isEqualTo(AuditReport.Verdict.AGREES_PASSED);
            assertThat(after.checks()).extracting(AuditReport.CheckResult::name).contains("bootstrap-node", "cluster-signer", "cluster-enc-key");
            assertThat(after.allowTestRootFrom()).contains("genesis");
            // an RPC that lost the submission block: one clear error, not a bare RPC failure
            ChainView pinned = view();
            ChainReader pruned = new ChainReader() {
                public Block block() {
                    return pinned.block();
                }

                public byte[] call(org.dstack4j.chain.Address to, byte[] data) throws RpcException {
                    return pinned.call(to, data);
                }

                public List<Log> logs(LogFilter filter) throws RpcException {
                    return pinned.logs(filter);
                }

                public Block blockAt(long number) throws RpcException {
                    throw new RpcException(new RpcError.Malformed("rpc", "eth_getBlockByNumber", "block " + number + " is missing"));
                }
            };
            assertThatThrownBy(() -> new GenesisAudit(ref, pruned, ClusterHistory.read(new ClusterContract(ref.contract()), pinned, 0),
                    q -> collateral, Optional.empty()).audit(Optional.empty())).isInstanceOf(AuditException.class)
                    .hasMessageContaining("the submission block").hasMessageContaining("of genesis " + gid + " cannot be read")
                    .hasMessageContaining("is missing");

            String joiner = SimulatedCvm.compose("cluster-node", ref, Optional.of(genesis.keys()), true, SimulatedCvm.LAUNCHER_COMPOSE);
            SimulatedCvm alice = SimulatedCvm.start(dir, "alice", joiner, SimulatedCvm.profileWith("source", "a"));
            allow(contract, governor, NodePolicy.of(alice));
            byte[] mrtd = alice.profile().mrtd();
            mrtd[7] ^= 1;
            SimulatedCvm other = SimulatedCvm.start(dir, "other", joiner, SimulatedCvm.profileWith("mrtd", mrtd));
            MemberSettings settings = new MemberSettings(ref, genesis.keys(), true);
            Answerer honest = (v, id) -> v.policy();

            // an honest onboarding: every check passes, at the request block's policy
            BigInteger onboarded = request(contract, operator, alice);
            answer(contract, operator, genesis, settings, onboarded, honest);
            AuditReport ok = joinAudit(onboarded, q -> collateral);
            assertThat(ok.verdict()).as(ok.toString()).isEqualTo(AuditReport.Verdict.AGREES_PASSED);
            assertThat(ok.checks()).hasSize(14).allMatch(c -> c.result() == AuditReport.Result.PASS);
            assertThat(ok.policyBlock()).isEqualTo(ok.block());

            // an honest rejection: the audit fails the same check; later checks did not run
            BigInteger rejected = request(contract, operator, other);
            answer(contract, operator, genesis, settings, rejected, honest);
            AuditReport no = joinAudit(rejected, q -> collateral);
            assertThat(no.verdict()).as(no.toString()).isEqualTo(AuditReport.Verdict.AGREES_REFUSED);
            assertThat(no.checks().get(10).result()).isEqualTo(AuditReport.Result.FAIL);
            assertThat(no.checks().get(10).name()).isEqualTo("measurement");
            assertThat(no.checks().subList(11, 14)).allMatch(c -> c.result() == AuditReport.Result.NOT_RUN);

            // a member whose policy read was lied to (it saw the other MRTD allowed) onboards: the audit disagrees
            BigInteger lied = request(contract, operator, other);
            answer(contract, operator, genesis, settings, lied, (v, id) -> NodePolicy.mapPolicy(other));
            AuditReport bad = joinAudit(lied, q -> collateral);
            assertThat(bad.verdict()).as(bad.toString()).isEqualTo(AuditReport.Verdict.DISAGREES);
            assertThat(bad.audited()).isInstanceOfSatisfying(JoinOutcome.Failed.class, f -> assertThat(f.check()).isEqualTo(JoinCheck.MEASUREMENT));

            // a member told that alice's compose is not allowed rejects with compose-hash: the audit passes, disagrees
            BigInteger wrongCheck = request(contract, operator, alice);
            MapPolicy noCompose = NodePolicy.mapPolicy(alice);
            noCompose.remove(PolicyKind.COMPOSE_HASH, NodePolicy.of(alice).get(3).getValue());
            answer(contract, operator, genesis, settings, wrongCheck, (v, id) -> noCompose);
            AuditReport wc = joinAudit(wrongCheck, q -> collateral);
            assertThat(wc.verdict()).as(wc.toString()).isEqualTo(AuditReport.Verdict.DISAGREES);
            assertThat(wc.onChain()).isEqualTo(new AuditReport.ChainOutcome.Rejected(JoinCheck.COMPOSE_HASH.number(),
                    ((AuditReport.ChainOutcome.Rejected) wc.onChain()).block()));

            // unanswered: pending; without collateral the audit cannot decide
            BigInteger open = request(contract, operator, alice);
            assertThat(joinAudit(open, q -> collateral).verdict()).isEqualTo(AuditReport.Verdict.PENDING);
            AuditReport undecided = joinAudit(open, q -> {
                throw new CollateralSource.CollateralUnavailableException("none", null);
            });
            assertThat(undecided.verdict()).isEqualTo(AuditReport.Verdict.UNDECIDED);
            assertThat(undecided.checks().get(4).result()).isEqualTo(AuditReport.Result.UNDECIDED);

            // the governor removes alice's measurement after the join: the audit still uses the request block's policy
            contract.writes(governor).removePolicy(PolicyKind.MEASUREMENT, NodePolicy.of(alice).get(2).getValue());
            AuditReport later = joinAudit(onboarded, q -> collateral);
            assertThat(later.verdict()).as(later.toString()).isEqualTo(AuditReport.Verdict.AGREES_PASSED);
            assertThat(later.notes()).isEmpty();
            // while a request made now would be refused with measurement (the policy at its own block)
            AuditReport fresh = joinAudit(request(contract, operator, alice), q -> collateral);
            assertThat(fresh.audited()).isInstanceOfSatisfying(JoinOutcome.Failed.class, f -> assertThat(f.check()).isEqualTo(JoinCheck.MEASUREMENT));
            for (SimulatedCvm c : List.of(g, alice, other)) c.close();
            genesis.close();
        }
    }

    /** The policy a member reads for a request (honest: the contract's at its view). */
    private interface Answerer {
        ClusterPolicy policy(EvmClusterView view, BigInteger id) throws Exception;
    }

    private void allow(ClusterContract contract, TransactionSender governor, List<Map.Entry<PolicyKind, byte[]>> entries) throws Exception {
        for (var e : entries) {
            if (contract.reads(view()).isAllowed(e.getKey(), e.getValue())) continue;
            contract.writes(governor).proposePolicy(e.getKey(), e.getValue());
            contract.writes(governor).applyPolicy(e.getKey(), e.getValue());
        }
    }

    private BigInteger request(ClusterContract contract, TransactionSender operator, SimulatedCvm cvm) throws Exception {
        DstackAttestor at = new DstackAttestor(cvm.client(), cvm.compose());
        try (Newcomer n = Newcomer.start(ClusterPin.fromCompose(cvm.compose()).orElseThrow(), at.nodeAddress(), RND)) {
            Block anchor = head();
            Evidence ev = at.evidence(n.reportData(anchor.hash()));
            return contract.writes(operator).requestJoin(anchor.number(), n.node(), n.encKey(), ev.encode());
        }
    }

    private void answer(ClusterContract contract, TransactionSender operator, Genesis genesis, MemberSettings settings, BigInteger id,
            Answerer how) throws Exception {
        EvmClusterView v = new EvmClusterView(contract, view());
        RequestView req = v.request(id);
        Member m = new Member(genesis.secret(), settings, new JoinChecks(settings, how.policy(v, id), q -> collateral));
        switch (m.answer(req, v.joinEvidence(id, req.requestBlock()).orElseThrow(), v.epoch())) {
            case Member.Onboard on -> contract.writes(operator).onboard(id, on.sealed(), on.signature().toBytes());
            case Member.Reject r -> contract.writes(operator).reject(id, r.check().number(), r.signature().toBytes());
            case Member.NoAnswer na -> throw new AssertionError("undecided: " + na);
        }
    }

    private AuditReport joinAudit(BigInteger id, CollateralSource c) throws Exception {
        ChainView v = view();
        return new JoinAudit(ref, v, ClusterHistory.read(new ClusterContract(ref.contract()), v, 0), c, Optional.empty()).audit(id);
    }

    private AuditReport genesisAudit() throws Exception {
        ChainView v = view();
        return new GenesisAudit(ref, v, ClusterHistory.read(new ClusterContract(ref.contract()), v, 0), q -> collateral, Optional.empty())
                .audit(Optional.empty());
    }

    private Block head() throws Exception {
        return anvil.rpc().block(BlockRef.number(anvil.rpc().blockNumber())).orElseThrow();
    }

    private ChainView view() throws Exception {
        return ChainView.pin(anvil.rpc(), 0);
    }
}
