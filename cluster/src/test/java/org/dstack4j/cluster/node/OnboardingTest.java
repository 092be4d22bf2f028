package org.dstack4j.cluster.node;

import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.contract.RequestState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.Secp256k1;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.binding.ReportDataBinding;
import org.dstack4j.cluster.contract.ClusterTypedData;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.seal.OnboardSeal;
import org.dstack4j.cluster.seal.SealContext;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.testing.MapPolicy;
import org.dstack4j.cluster.testing.Request;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Genesis, then two joins, chain-agnostic, with real simulator agents on unix sockets: the genesis node draws the
 * secret and binds its keys into its quote; each newcomer's request is answered by a member (the second by the first
 * newcomer), and each newcomer verifies what it opened. Then the host's lies: another secret, another contract view,
 * a replayed answer. The chain is played by records here; the contract and its client are the chain module's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnboardingTest {
    private static final ClusterRef REF = new ClusterRef(31337, Address.parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"));
    private static final Instant CHAIN_TIME = Instant.parse("2026-06-01T00:00:00Z");
    private static final SecureRandom RND = new SecureRandom();

    @TempDir
    static Path dir;
    private SimulatedCvm genesisCvm;
    private SimulatedCvm aliceCvm;
    private SimulatedCvm bobCvm;
    private Genesis genesis;
    private MapPolicy policy;
    private Collateral collateral;
    private String joinerCompose;

    @BeforeAll
    void bootCluster() throws Exception {
        genesisCvm = SimulatedCvm.start(dir, "genesis", SimulatedCvm.compose("cluster-node", REF, Optional.empty(), true,
                SimulatedCvm.LAUNCHER_COMPOSE), SimulatedCvm.profileWith("source", "g"));
        ClusterPin gpin = ClusterPin.fromCompose(genesisCvm.compose()).orElseThrow();
        DstackAttestor gAttestor = new DstackAttestor(genesisCvm.client(), genesisCvm.compose());
        genesis = Genesis.draw(gpin, gAttestor.nodeAddress(), RND);
        joinerCompose = SimulatedCvm.compose("cluster-node", REF, Optional.of(genesis.keys()), true, SimulatedCvm.LAUNCHER_COMPOSE);
        aliceCvm = SimulatedCvm.start(dir, "alice", joinerCompose, SimulatedCvm.profileWith("source", "a"));
        bobCvm = SimulatedCvm.start(dir, "bob", joinerCompose, SimulatedCvm.profileWith("source", "b"));
        collateral = aliceCvm.collateral();
        policy = org.dstack4j.cluster.testing.NodePolicy.mapPolicy(aliceCvm);
    }

    @AfterAll
    void stop() {
        for (SimulatedCvm c : new SimulatedCvm[] {genesisCvm, aliceCvm, bobCvm}) if (c != null) c.close();
        if (genesis != null) genesis.close();
    }

    private Member member(ClusterSecret secret) {
        MemberSettings s = new MemberSettings(REF, genesis.keys(), true);
        return new Member(secret, s, new JoinChecks(s, policy, quote -> collateral));
    }

    private record Pending(Newcomer newcomer, Request request, Evidence evidence) {}

    private Pending request(SimulatedCvm cvm, long id) throws Exception {
        DstackAttestor attestor = new DstackAttestor(cvm.client(), cvm.compose());
        Newcomer n = Newcomer.start(ClusterPin.fromCompose(cvm.compose()).orElseThrow(), attestor.nodeAddress(), RND);
        byte[] anchor = Keccak.keccak256(("block " + id).getBytes(StandardCharsets.UTF_8));
        Evidence ev = attestor.evidence(n.reportData(anchor));
        Request r = new Request(BigInteger.valueOf(id), n.node(), n.encKey(), 10 * id, anchor, ev.hash(), 10 * id + 1, CHAIN_TIME,
                RequestState.PENDING, false, 10 * id + 2, 50);
        return new Pending(n, r, ev);
    }

    @Test
    void genesisQuoteBindsTheClusterKeys() throws Exception {
        DstackAttestor a = new DstackAttestor(genesisCvm.client(), genesisCvm.compose());
        byte[] anchor = new byte[32];
        Evidence ev = a.evidence(genesis.reportData(anchor));
        byte[] rd = TdxQuote.parse(ev.quote()).tdReport().reportData();
        assertThat(rd).isEqualTo(ReportDataBinding.genesis(REF, anchor, KeyDerivation.of(genesis.secret(), REF).publicKeys(), a.nodeAddress()));
        assertThatThrownBy(() -> Genesis.draw(ClusterPin.fromCompose(joinerCompose).orElseThrow(), a.nodeAddress(), RND))
                .hasMessageContaining("joins an existing cluster");
    }

    @Test
    void twoJoinsEveryMemberHoldsTheSameSecretAndKeys() throws Exception {
        ClusterTypedData typed = REF.typedData();
        // alice, answered by the genesis member
        Pending alice = request(aliceCvm, 1);
        Member.Answer a1 = member(genesis.secret()).answer(alice.request(), alice.evidence().encode(), 1);
        assertThat(a1).as(a1.toString()).isInstanceOf(Member.Onboard.class);
        Member.Onboard on1 = (Member.Onboard) a1;
        assertThat(on1.sealed()).hasSize(OnboardSeal.SEALED_SIZE);
        // what the contract checks: the Onboard digest recovers to the cluster signer
        assertThat(Secp256k1.recoverAddress(typed.onboardDigest(BigInteger.ONE, on1.sealed(), 1), on1.signature()))
                .contains(genesis.keys().signer());
        Newcomer.Outcome o1 = alice.newcomer().onOnboarded(BigInteger.ONE, 1, alice.evidence().hash(), on1.sealed(), genesis.keys());
        assertThat(o1).isInstanceOf(Newcomer.Joined.class);
        ClusterSecret aliceSecret = ((Newcomer.Joined) o1).secret();
        assertThat(aliceSecret.sameAs(genesis.secret())).isTrue();
        assertThat(o1.toString()).doesNotContain(HexFormat.of().formatHex(aliceSecret.copyBytes()));

        // bob, answered by alice
        Pending bob = request(bobCvm, 2);
        Member.Onboard on2 = (Member.Onboard) member(aliceSecret).answer(bob.request(), bob.evidence().encode(), 1);
        Newcomer.Outcome o2 = bob.newcomer().onOnboarded(BigInteger.TWO, 1, bob.evidence().hash(), on2.sealed(), genesis.keys());
        assertThat(o2).isInstanceOf(Newcomer.Joined.class);
        ClusterSecret bobSecret = ((Newcomer.Joined) o2).secret();
        for (ClusterSecret s : new ClusterSecret[] {aliceSecret, bobSecret}) {
            KeyDerivation kd = KeyDerivation.of(s, REF);
            assertThat(kd.publicKeys()).isEqualTo(genesis.keys());
            assertThat(kd.volumeKey("data")).isEqualTo(KeyDerivation.of(genesis.secret(), REF).volumeKey("data"));
        }
        alice.newcomer().close();
        bob.newcomer().close();
    }

    @Test
    void hostFeedsAnotherSecretSealedCorrectlyToTheNewcomer() throws Exception {
        Pending p = request(aliceCvm, 3);
        ClusterSecret attackers = ClusterSecret.generate(RND);
        byte[] forged = OnboardSeal.seal(attackers, p.request().encKey(), new SealContext(REF, BigInteger.valueOf(3), 1, p.evidence().hash()));
        assertThat(p.newcomer().onOnboarded(BigInteger.valueOf(3), 1, p.evidence().hash(), forged, genesis.keys()))
                .isInstanceOf(Newcomer.WrongSecret.class);
        // and with a lying RPC that reports the attacker's keys as the contract's: the measured pin still refuses it
        ClusterPublicKeys attackerKeys = KeyDerivation.of(attackers, REF).publicKeys();
        Newcomer.Outcome o = p.newcomer().onOnboarded(BigInteger.valueOf(3), 1, p.evidence().hash(), forged, attackerKeys);
        assertThat(o).isInstanceOf(Newcomer.WrongSecret.class);
        assertThat(((Newcomer.WrongSecret) o).reason()).contains("measured app-compose pins");
    }

    @Test
    void theRealSecretWithALyingContractViewIsRefusedToo() throws Exception {
        Pending p = request(bobCvm, 4);
        Member.Onboard on = (Member.Onboard) member(genesis.secret()).answer(p.request(), p.evidence().encode(), 1);
        ClusterPublicKeys lie = new ClusterPublicKeys(p.request().node(), genesis.keys().encKey());
        assertThat(p.newcomer().onOnboarded(BigInteger.valueOf(4), 1, p.evidence().hash(), on.sealed(), lie))
                .isInstanceOf(Newcomer.WrongSecret.class);
    }

    @Test
    void anAnswerForAnotherRequestOrEpochOrEvidenceDoesNotOpen() throws Exception {
        Pending p = request(aliceCvm, 5);
        Member.Onboard on = (Member.Onboard) member(genesis.secret()).answer(p.request(), p.evidence().encode(), 1);
        Newcomer.NotForUs no = new Newcomer.NotForUs(OnboardSeal.Failure.NOT_FOR_US);
        assertThat(p.newcomer().onOnboarded(BigInteger.valueOf(6), 1, p.evidence().hash(), on.sealed(), genesis.keys())).isEqualTo(no);
        assertThat(p.newcomer().onOnboarded(BigInteger.valueOf(5), 2, p.evidence().hash(), on.sealed(), genesis.keys())).isEqualTo(no);
        assertThat(p.newcomer().onOnboarded(BigInteger.valueOf(5), 1, new byte[32], on.sealed(), genesis.keys())).isEqualTo(no);
        // a second newcomer cannot open the first one's answer
        Pending q = request(bobCvm, 5);
        assertThat(q.newcomer().onOnboarded(BigInteger.valueOf(5), 1, p.evidence().hash(), on.sealed(), genesis.keys())).isEqualTo(no);
    }

    @Test
    void aFailedCheckIsASignedRejectAndAnUndecidedOneIsSilent() throws Exception {
        Pending p = request(aliceCvm, 7);
        Member.Answer a = member(genesis.secret()).answer(p.request().withState(RequestState.PENDING, true), p.evidence().encode(), 1);
        assertThat(a).isInstanceOf(Member.Reject.class);
        Member.Reject r = (Member.Reject) a;
        assertThat(r.check()).isEqualTo(JoinCheck.REQUEST_PENDING);
        assertThat(Secp256k1.recoverAddress(REF.typedData().rejectDigest(BigInteger.valueOf(7), 1), r.signature()))
                .contains(genesis.keys().signer());
        MemberSettings s = new MemberSettings(REF, genesis.keys(), true);
        Member blind = new Member(genesis.secret(), s, new JoinChecks(s, policy, quote -> {
            throw new org.dstack4j.cluster.join.CollateralSource.CollateralUnavailableException("relay refused", null);
        }));
        assertThat(blind.answer(p.request(), p.evidence().encode(), 1)).isInstanceOf(Member.NoAnswer.class);
    }

    @Test
    void aMemberWhoseSecretIsNotTheClustersRefusesToServe() {
        MemberSettings s = new MemberSettings(REF, genesis.keys(), true);
        ClusterSecret other = ClusterSecret.generate(RND);
        assertThatThrownBy(() -> new Member(other, s, new JoinChecks(s, policy, quote -> collateral)))
                .hasMessageContaining("does not derive");
    }
}
