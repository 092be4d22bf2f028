package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dstack4j.cluster.contract.ClusterFixture.random32;
import static org.dstack4j.cluster.contract.ClusterFixture.randomAddress;
import static org.dstack4j.cluster.contract.ClusterFixture.refused;

import java.math.BigInteger;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.ChainView;
import org.junit.jupiter.api.Test;

/** Deployment, the governor's two-step handover, time-locked policy, operators and the one-shot bootstrap, on anvil. */
class ClusterGovernanceTest extends AnvilClusterTest {
    @Test
    void deployRecordsTheGovernorAndConfiguration() throws Exception {
        long before = f.head();
        ClusterContract c = f.deploy();
        ClusterReads r = f.reads(c);
        assertThat(r.governor()).isEqualTo(f.governor.from());
        assertThat(r.pendingGovernor()).isEqualTo(Address.ZERO);
        assertThat(r.policyDelay()).isEqualTo(ClusterFixture.POLICY_DELAY);
        assertThat(r.maxAnchorAge()).isEqualTo(ClusterFixture.MAX_ANCHOR_AGE);
        assertThat(r.requestTtl()).isEqualTo(ClusterFixture.REQUEST_TTL);
        assertThat(r.bootstrapped()).isFalse();
        assertThat(r.epoch()).isZero();
        assertThat(r.maxEvidence()).isEqualTo(131072);
        ClusterTypedData typed = new ClusterTypedData(f.chainId, c.address());
        assertThat(r.clusterId()).isEqualTo(typed.clusterId());
        assertThat(r.domainSeparator()).isEqualTo(typed.domain().separator());
        assertThat(c.events(ChainView.pin(f.anvil.rpc(), 0), before + 1))
                .extracting(ClusterContract.Emitted::event)
                .containsExactly(new ClusterEvent.GovernorChanged(Address.ZERO, f.governor.from()));
    }

    @Test
    void constructorRefusesAnUnusableConfiguration() {
        refused(() -> ClusterContract.deploy(f.governor, f.governor.from(), 0, 0, 10), "InvalidConfig");
        refused(() -> ClusterContract.deploy(f.governor, f.governor.from(), 0, 257, 10), "InvalidConfig");
        refused(() -> ClusterContract.deploy(f.governor, f.governor.from(), 0, 10, 0), "InvalidConfig");
        refused(() -> ClusterContract.deploy(f.governor, Address.ZERO, 0, 10, 10), "ZeroAddress");
    }

    @Test
    void governanceHandoverTakesTwoSteps() throws Exception {
        ClusterContract c = f.deploy();
        Address next = f.other.from();
        refused(() -> c.writes(f.stranger).transferGovernance(next), "NotGovernor");
        c.writes(f.governor).transferGovernance(next);
        ClusterReads r = f.reads(c);
        assertThat(r.pendingGovernor()).isEqualTo(next);
        assertThat(r.governor()).isEqualTo(f.governor.from()); // still the old one until accepted
        refused(() -> c.writes(f.stranger).acceptGovernance(), "NotPendingGovernor");
        var receipt = c.writes(f.other).acceptGovernance();
        assertThat(c.events(receipt)).containsExactly(new ClusterEvent.GovernorChanged(f.governor.from(), next));
        r = f.reads(c);
        assertThat(r.governor()).isEqualTo(next);
        assertThat(r.pendingGovernor()).isEqualTo(Address.ZERO);
        refused(() -> c.writes(f.governor).setOperator(f.operator.from(), true), "NotGovernor");
        refused(() -> c.writes(f.other).acceptGovernance(), "NotPendingGovernor"); // not twice
        // the new governor can hand back, and cancel with address 0
        c.writes(f.other).transferGovernance(f.governor.from());
        c.writes(f.other).transferGovernance(Address.ZERO);
        refused(() -> c.writes(f.governor).acceptGovernance(), "NotPendingGovernor");
    }

    @Test
    void policyAdditionsAreTimeLockedAndRemovalsImmediate() throws Exception {
        ClusterContract c = f.deploy();
        byte[] m = random32();
        refused(() -> c.writes(f.stranger).proposePolicy(PolicyKind.MEASUREMENT, m), "NotGovernor");
        refused(() -> c.writes(f.stranger).applyPolicy(PolicyKind.MEASUREMENT, m), "PolicyNotProposed");
        var proposed = c.writes(f.governor).proposePolicy(PolicyKind.MEASUREMENT, m);
        long ts = f.anvil.rpc().block(org.dstack4j.chain.rpc.BlockRef.number(proposed.blockNumber())).orElseThrow().timestamp();
        ClusterEvent.PolicyProposed ev = (ClusterEvent.PolicyProposed) c.events(proposed).get(0);
        assertThat(ev.kind()).isEqualTo(PolicyKind.MEASUREMENT);
        assertThat(ev.value()).isEqualTo(m);
        assertThat(ev.eta()).isEqualTo(ts + ClusterFixture.POLICY_DELAY);
        assertThat(f.reads(c).policyEta(PolicyKind.MEASUREMENT, m)).isEqualTo(ev.eta());
        assertThat(f.reads(c).isAllowed(PolicyKind.MEASUREMENT, m)).isFalse();

        ContractRevert early = refused(() -> c.writes(f.stranger).applyPolicy(PolicyKind.MEASUREMENT, m), "PolicyNotReady");
        assertThat(early.args().get(2)).isEqualTo(BigInteger.valueOf(ev.eta()));
        f.anvil.increaseTime(ClusterFixture.POLICY_DELAY - 60);
        f.anvil.mine(1);
        refused(() -> c.writes(f.stranger).applyPolicy(PolicyKind.MEASUREMENT, m), "PolicyNotReady");
        f.anvil.increaseTime(60);
        f.anvil.mine(1);
        var applied = c.writes(f.stranger).applyPolicy(PolicyKind.MEASUREMENT, m); // anyone may apply
        assertThat(c.events(applied)).singleElement().isInstanceOfSatisfying(ClusterEvent.PolicyAdded.class,
                a -> assertThat(a.value()).isEqualTo(m));
        assertThat(f.reads(c).isAllowed(PolicyKind.MEASUREMENT, m)).isTrue();
        assertThat(f.reads(c).isAllowed(PolicyKind.COMPOSE_HASH, m)).isFalse(); // kinds are separate
        refused(() -> c.writes(f.governor).proposePolicy(PolicyKind.MEASUREMENT, m), "PolicyAlreadyAllowed");

        refused(() -> c.writes(f.stranger).removePolicy(PolicyKind.MEASUREMENT, m), "NotGovernor");
        c.writes(f.governor).removePolicy(PolicyKind.MEASUREMENT, m);
        assertThat(f.reads(c).isAllowed(PolicyKind.MEASUREMENT, m)).isFalse();
        refused(() -> c.writes(f.governor).removePolicy(PolicyKind.MEASUREMENT, m), "PolicyNotPresent");
    }

    @Test
    void removingAProposalCancelsIt() throws Exception {
        ClusterContract c = f.deploy();
        byte[] v = random32();
        c.writes(f.governor).proposePolicy(PolicyKind.TCB_STATUS, v);
        c.writes(f.governor).removePolicy(PolicyKind.TCB_STATUS, v);
        f.anvil.increaseTime(ClusterFixture.POLICY_DELAY + 1);
        f.anvil.mine(1);
        refused(() -> c.writes(f.stranger).applyPolicy(PolicyKind.TCB_STATUS, v), "PolicyNotProposed");
        assertThat(f.reads(c).policyEta(PolicyKind.TCB_STATUS, v)).isZero();
    }

    @Test
    void unknownPolicyKindsAreRefused() throws Exception {
        ClusterContract c = f.deploy();
        for (int kind : new int[] {0, 7, 255}) {
            ContractRevert r = refused(() -> c.writes(f.governor).sendCalldata(c.calldata("proposePolicy", kind, random32())),
                    "UnknownPolicyKind");
            assertThat(r.args()).containsExactly(kind);
        }
    }

    @Test
    void approvedImagesAreNewestFirst() throws Exception {
        ClusterContract c = f.deploy();
        byte[] a = Keccak.keccak256("a");
        byte[] b = Keccak.keccak256("b");
        byte[] d = Keccak.keccak256("d");
        for (byte[] img : List.of(a, b, d)) {
            c.writes(f.governor).proposePolicy(PolicyKind.IMAGE, img);
        }
        f.anvil.increaseTime(ClusterFixture.POLICY_DELAY);
        f.anvil.mine(1);
        for (byte[] img : List.of(a, b, d)) {
            c.writes(f.stranger).applyPolicy(PolicyKind.IMAGE, img);
        }
        assertThat(f.reads(c).approvedImages()).map(Hex::data).containsExactly(Hex.data(d), Hex.data(b), Hex.data(a));
        c.writes(f.governor).removePolicy(PolicyKind.IMAGE, b);
        assertThat(f.reads(c).approvedImages()).map(Hex::data).containsExactly(Hex.data(d), Hex.data(a));
        assertThat(f.reads(c).policyValues(PolicyKind.IMAGE)).map(Hex::data).containsExactly(Hex.data(a), Hex.data(d));
        assertThat(f.reads(c).policyValues(PolicyKind.MEASUREMENT)).isEmpty();
    }

    @Test
    void onlyTheGovernorSetsOperatorsAndOnlyOperatorsSubmit() throws Exception {
        ClusterContract c = f.deploy();
        refused(() -> c.writes(f.stranger).setOperator(f.stranger.from(), true), "NotGovernor");
        refused(() -> c.writes(f.governor).setOperator(Address.ZERO, true), "ZeroAddress");
        SigningKey signer = SigningKey.random(ClusterFixture.RND);
        refused(() -> c.writes(f.operator).submitGenesis(f.head(), randomAddress(), signer.address(), random32(),
                ClusterFixture.evidence(10)), "NotOperator");
        var set = c.writes(f.governor).setOperator(f.operator.from(), true);
        assertThat(c.events(set)).containsExactly(new ClusterEvent.OperatorSet(f.operator.from(), true));
        assertThat(f.reads(c).isOperator(f.operator.from())).isTrue();
        c.writes(f.operator).submitGenesis(f.head(), randomAddress(), signer.address(), random32(), ClusterFixture.evidence(10));
        c.writes(f.governor).setOperator(f.operator.from(), false);
        assertThat(f.reads(c).isOperator(f.operator.from())).isFalse();
        refused(() -> c.writes(f.operator).submitGenesis(f.head(), randomAddress(), signer.address(), random32(),
                ClusterFixture.evidence(10)), "NotOperator");
    }

    @Test
    void bootstrapIsGovernedAndHappensOnce() throws Exception {
        ClusterContract c = f.deploy();
        c.writes(f.governor).setOperator(f.operator.from(), true);
        refused(() -> f.join(c, randomAddress(), random32()), "NotBootstrapped");
        SigningKey signer = SigningKey.random(ClusterFixture.RND);
        byte[] encKey = random32();
        Address node = randomAddress();
        byte[] evidence = ClusterFixture.evidence(300);
        long anchor = f.head();
        refused(() -> c.writes(f.operator).submitGenesis(anchor, node, Address.ZERO, encKey, evidence), "ZeroAddress");
        refused(() -> c.writes(f.operator).submitGenesis(anchor, node, signer.address(), new byte[32], evidence), "ZeroKey");
        BigInteger gid = c.writes(f.operator).submitGenesis(anchor, node, signer.address(), encKey, evidence);
        assertThat(gid).isEqualTo(BigInteger.ONE);

        GenesisRecord g = f.reads(c).genesis(gid);
        byte[] anchorHash = f.anvil.rpc().block(org.dstack4j.chain.rpc.BlockRef.number(anchor)).orElseThrow().hash();
        assertThat(g.node()).isEqualTo(node);
        assertThat(g.signer()).isEqualTo(signer.address());
        assertThat(g.encKey()).isEqualTo(encKey);
        assertThat(g.anchorHash()).isEqualTo(anchorHash);
        assertThat(g.evidenceHash()).isEqualTo(Keccak.keccak256(evidence));
        byte[] keyHash = Keccak.keccak256(org.dstack4j.chain.abi.Words.encode(signer.address().word(), encKey));
        assertThat(f.reads(c).genesisReportData(gid)).isEqualTo(ClusterFixture.reportData("dstack4j/cluster/genesis/v1",
                f.chainId, c.address(), anchorHash, keyHash, node));
        var submitted = c.events(ChainView.pin(f.anvil.rpc(), 0), anchor, "GenesisSubmitted");
        assertThat(submitted).singleElement().extracting(ClusterContract.Emitted::event)
                .isInstanceOfSatisfying(ClusterEvent.GenesisSubmitted.class, e -> {
                    assertThat(e.evidence()).isEqualTo(evidence);
                    assertThat(e.anchorNumber()).isEqualTo(anchor);
                });

        refused(() -> c.writes(f.stranger).bootstrap(gid, node), "NotGovernor");
        refused(() -> c.writes(f.governor).bootstrap(BigInteger.TWO, node), "UnknownGenesis");
        refused(() -> c.writes(f.governor).bootstrap(gid, randomAddress()), "GenesisNodeMismatch");
        var boot = c.writes(f.governor).bootstrap(gid, node);
        assertThat(c.events(boot)).singleElement().isInstanceOfSatisfying(ClusterEvent.Bootstrapped.class, b -> {
            assertThat(b.signer()).isEqualTo(signer.address());
            assertThat(b.encKey()).isEqualTo(encKey);
            assertThat(b.node()).isEqualTo(node);
            assertThat(b.epoch()).isEqualTo(1);
        });
        ClusterReads r = f.reads(c);
        assertThat(r.clusterSigner()).isEqualTo(signer.address());
        assertThat(r.clusterEncKey()).isEqualTo(encKey);
        assertThat(r.epoch()).isEqualTo(1);
        assertThat(r.isMember(node)).isTrue();
        assertThat(r.bootstrapGenesisId()).isEqualTo(gid);
        refused(() -> c.writes(f.governor).bootstrap(gid, node), "AlreadyBootstrapped");
        refused(() -> c.writes(f.operator).submitGenesis(f.head(), node, signer.address(), encKey, evidence), "AlreadyBootstrapped");
    }
}
