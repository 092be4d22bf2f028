package org.dstack4j.cluster.evm;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.Block;
import org.dstack4j.chain.rpc.BlockRef;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.join.RequestView;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.node.Genesis;
import org.dstack4j.cluster.node.Member;
import org.dstack4j.cluster.node.Newcomer;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.testing.NodePolicy;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole protocol on a real anvil with the compiled contract and real simulator agents on unix sockets: genesis
 * (submitted by the operator, bootstrapped by the governor), the governor's policy, two joins (the second answered by
 * the first newcomer), and a CVM with an MRTD the policy does not allow, rejected on chain with the check's number.
 * Nodes run in this JVM (separate processes and the host relay are the CLI's, not built yet).
 */
class EvmClusterTest {
    private static final SecureRandom RND = new SecureRandom();

    @TempDir
    Path dir;

    @Test
    void genesisTwoJoinsAndARefusalOnAnvil() throws Exception {
        try (Anvil anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20))) {
            BigInteger chainId = anvil.chainId();
            TransactionSender governor = new TransactionSender(anvil.rpc(), anvil.account(0), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
            TransactionSender operator = new TransactionSender(anvil.rpc(), anvil.account(1), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
            ClusterContract contract = ClusterContract.deploy(governor, governor.from(), 0, 16, 20);
            contract.writes(governor).setOperator(operator.from(), true);
            ClusterRef ref = new ClusterRef(chainId.longValueExact(), contract.address());

            // genesis: the first CVM draws the secret and binds its keys into its quote
            SimulatedCvm g = SimulatedCvm.start(dir, "genesis", SimulatedCvm.compose("cluster-node", ref, Optional.empty(), true,
                    SimulatedCvm.LAUNCHER_COMPOSE), SimulatedCvm.profileWith("source", "g"));
            DstackAttestor ga = new DstackAttestor(g.client(), g.compose());
            Genesis genesis = Genesis.draw(ClusterPin.fromCompose(g.compose()).orElseThrow(), ga.nodeAddress(), RND);
            Block anchor = head(anvil);
            Evidence gev = ga.evidence(genesis.reportData(anchor.hash()));
            BigInteger gid = contract.writes(operator).submitGenesis(anchor.number(), ga.nodeAddress(), genesis.keys().signer(),
                    genesis.keys().encKey(), gev.encode());
            // (the governor audits the genesis quote here: genesisReportData(gid) equals its report data)
            assertThat(contract.reads(view(anvil)).genesisReportData(gid)).isEqualTo(genesis.reportData(anchor.hash()));
            contract.writes(governor).bootstrap(gid, ga.nodeAddress());

            String joiner = SimulatedCvm.compose("cluster-node", ref, Optional.of(genesis.keys()), true, SimulatedCvm.LAUNCHER_COMPOSE);
            SimulatedCvm alice = SimulatedCvm.start(dir, "alice", joiner, SimulatedCvm.profileWith("source", "a"));
            SimulatedCvm bob = SimulatedCvm.start(dir, "bob", joiner, SimulatedCvm.profileWith("source", "b"));
            byte[] mrtd = alice.profile().mrtd();
            mrtd[5] ^= 1;
            SimulatedCvm mallory = SimulatedCvm.start(dir, "mallory", joiner, SimulatedCvm.profileWith("mrtd", mrtd));
            for (var e : NodePolicy.of(alice)) {
                contract.writes(governor).proposePolicy(e.getKey(), e.getValue());
                contract.writes(governor).applyPolicy(e.getKey(), e.getValue());
            }
            Collateral collateral = alice.collateral();
            MemberSettings settings = new MemberSettings(ref, genesis.keys(), true);

            // alice joins, answered by the genesis member
            ClusterSecret aliceSecret = join(anvil, contract, operator, alice, genesis.secret(), settings, collateral);
            assertThat(aliceSecret.sameAs(genesis.secret())).isTrue();
            assertThat(contract.reads(view(anvil)).isMember(new DstackAttestor(alice.client(), alice.compose()).nodeAddress())).isTrue(); // the chain records the join
            // bob joins, answered by alice
            ClusterSecret bobSecret = join(anvil, contract, operator, bob, aliceSecret, settings, collateral);
            assertThat(KeyDerivation.of(bobSecret, ref).publicKeys()).isEqualTo(genesis.keys());

            // mallory's MRTD is not allowed: the member rejects on chain, naming check 11, and no secret is sent
            DstackAttestor ma = new DstackAttestor(mallory.client(), mallory.compose());
            try (Newcomer n = Newcomer.start(ClusterPin.fromCompose(mallory.compose()).orElseThrow(), ma.nodeAddress(), RND)) {
                Block a = head(anvil);
                Evidence ev = ma.evidence(n.reportData(a.hash()));
                BigInteger id = contract.writes(operator).requestJoin(a.number(), n.node(), n.encKey(), ev.encode());
                EvmClusterView v = new EvmClusterView(contract, view(anvil));
                RequestView req = v.request(id);
                Member m = new Member(genesis.secret(), settings, new JoinChecks(settings, v.policy(), q -> collateral));
                Member.Answer ans = m.answer(req, v.joinEvidence(id, req.requestBlock()).orElseThrow(), v.epoch());
                assertThat(ans).isInstanceOf(Member.Reject.class);
                Member.Reject r = (Member.Reject) ans;
                assertThat(r.check()).isEqualTo(JoinCheck.MEASUREMENT);
                contract.writes(operator).reject(id, r.check().number(), r.signature().toBytes());
                EvmClusterView after = new EvmClusterView(contract, view(anvil));
                assertThat(after.request(id).state()).isEqualTo(RequestState.REJECTED);
                assertThat(contract.reads(view(anvil)).rejectedCheck(id)).isEqualTo(11);
                assertThat(after.onboarded(id, req.requestBlock())).isEmpty();
            }
            for (SimulatedCvm c : List.of(g, alice, bob, mallory)) c.close();
            genesis.close();
        }
    }

    @Test
    void aRelayThatSwapsTheKeyOrReplaysEvidenceGetsASignedRejectNotTheSecret() throws Exception {
        try (Anvil anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20))) {
            BigInteger chainId = anvil.chainId();
            TransactionSender governor = new TransactionSender(anvil.rpc(), anvil.account(0), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
            TransactionSender operator = new TransactionSender(anvil.rpc(), anvil.account(1), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
            ClusterContract contract = ClusterContract.deploy(governor, governor.from(), 0, 16, 20);
            contract.writes(governor).setOperator(operator.from(), true);
            ClusterRef ref = new ClusterRef(chainId.longValueExact(), contract.address());
            // a bootstrapped cluster (the genesis quote path is the other test's; here the governor bootstraps a record)
            ClusterSecret secret = ClusterSecret.generate(RND);
            var keys = KeyDerivation.of(secret, ref).publicKeys();
            Block a0 = head(anvil);
            BigInteger gid = contract.writes(operator).submitGenesis(a0.number(), governor.from(), keys.signer(), keys.encKey(),
                    new Evidence(new byte[] {1}, "[]", "{}").encode());
            contract.writes(governor).bootstrap(gid, governor.from());
            String joiner = SimulatedCvm.compose("cluster-node", ref, Optional.of(keys), true, SimulatedCvm.LAUNCHER_COMPOSE);
            try (SimulatedCvm carol = SimulatedCvm.start(dir, "carol", joiner, SimulatedCvm.profileWith("source", "c"))) {
                for (var e : NodePolicy.of(carol)) {
                    contract.writes(governor).proposePolicy(e.getKey(), e.getValue());
                    contract.writes(governor).applyPolicy(e.getKey(), e.getValue());
                }
                Collateral collateral = carol.collateral();
                MemberSettings settings = new MemberSettings(ref, keys, true);
                DstackAttestor at = new DstackAttestor(carol.client(), carol.compose());
                try (Newcomer n = Newcomer.start(ClusterPin.fromCompose(carol.compose()).orElseThrow(), at.nodeAddress(), RND);
                        var relayKey = org.dstack4j.cluster.secret.X25519KeyPair.generate(RND)) {
                    Block anchor = head(anvil);
                    Evidence ev = at.evidence(n.reportData(anchor.hash()));
                    // 1. the relay swaps in its own encryption key: the quote binds the newcomer's
                    BigInteger swapped = contract.writes(operator).requestJoin(anchor.number(), n.node(), relayKey.publicKey(), ev.encode());
                    // 2. the relay replays the same evidence with a newer anchor block
                    anvil.mine(1);
                    Block later = head(anvil);
                    BigInteger replayed = contract.writes(operator).requestJoin(later.number(), n.node(), n.encKey(), ev.encode());
                    for (BigInteger id : List.of(swapped, replayed)) {
                        EvmClusterView v = new EvmClusterView(contract, view(anvil));
                        RequestView req = v.request(id);
                        Member m = new Member(secret, settings, new JoinChecks(settings, v.policy(), q -> collateral));
                        Member.Answer ans = m.answer(req, v.joinEvidence(id, req.requestBlock()).orElseThrow(), v.epoch());
                        assertThat(ans).as(ans.toString()).isInstanceOf(Member.Reject.class);
                        assertThat(((Member.Reject) ans).check()).isEqualTo(JoinCheck.REPORT_DATA);
                        contract.writes(operator).reject(id, JoinCheck.REPORT_DATA.number(), ((Member.Reject) ans).signature().toBytes());
                        assertThat(contract.reads(view(anvil)).rejectedCheck(id)).isEqualTo(9);
                        assertThat(new EvmClusterView(contract, view(anvil)).onboarded(id, req.requestBlock())).isEmpty();
                    }
                }
            }
            secret.destroy();
        }
    }

    private static Block head(Anvil anvil) throws Exception {
        return anvil.rpc().block(BlockRef.number(anvil.rpc().blockNumber())).orElseThrow();
    }

    private static ChainView view(Anvil anvil) throws Exception {
        return ChainView.pin(anvil.rpc(), 0); // automine: every block is final for this test
    }

    /** One join: request on chain, a member answers from its chain view, the newcomer opens the answer it reads back. */
    private static ClusterSecret join(Anvil anvil, ClusterContract contract, TransactionSender operator, SimulatedCvm cvm,
            ClusterSecret memberSecret, MemberSettings settings, Collateral collateral) throws Exception {
        DstackAttestor at = new DstackAttestor(cvm.client(), cvm.compose());
        try (Newcomer n = Newcomer.start(ClusterPin.fromCompose(cvm.compose()).orElseThrow(), at.nodeAddress(), RND)) {
            Block anchor = head(anvil);
            Evidence ev = at.evidence(n.reportData(anchor.hash()));
            BigInteger id = contract.writes(operator).requestJoin(anchor.number(), n.node(), n.encKey(), ev.encode());
            // the contract's Solidity rebuild of the binding equals ours
            assertThat(contract.reads(view(anvil)).joinReportData(id)).isEqualTo(n.reportData(anchor.hash()));

            // the member's side, from the chain only
            EvmClusterView mv = new EvmClusterView(contract, view(anvil));
            RequestView req = mv.request(id);
            byte[] evidence = mv.joinEvidence(id, req.requestBlock()).orElseThrow();
            Member m = new Member(memberSecret, settings, new JoinChecks(settings, mv.policy(), q -> collateral));
            Member.Answer a = m.answer(req, evidence, mv.epoch());
            assertThat(a).as(a.toString()).isInstanceOf(Member.Onboard.class);
            Member.Onboard on = (Member.Onboard) a;
            contract.writes(operator).onboard(id, on.sealed(), on.signature().toBytes());

            // the newcomer's side, from the chain only
            EvmClusterView nv = new EvmClusterView(contract, view(anvil));
            assertThat(nv.request(id).state()).isEqualTo(RequestState.ONBOARDED);
            byte[] sealed = nv.onboarded(id, req.requestBlock()).orElseThrow();
            Newcomer.Outcome o = n.onOnboarded(id, nv.epoch(), nv.request(id).evidenceHash(), sealed, nv.clusterKeys());
            assertThat(o).as(o.toString()).isInstanceOf(Newcomer.Joined.class);
            return ((Newcomer.Joined) o).secret();
        }
    }
}
