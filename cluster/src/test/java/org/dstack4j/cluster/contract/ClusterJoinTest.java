package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dstack4j.cluster.contract.ClusterFixture.malleate;
import static org.dstack4j.cluster.contract.ClusterFixture.random32;
import static org.dstack4j.cluster.contract.ClusterFixture.randomAddress;
import static org.dstack4j.cluster.contract.ClusterFixture.refused;
import static org.dstack4j.cluster.contract.ClusterFixture.withV;

import java.math.BigInteger;
import java.util.Arrays;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.BlockRef;
import org.dstack4j.chain.rpc.ChainView;
import org.junit.jupiter.api.Test;

/** Join requests (anchor and key checks), onboard and reject (strict cluster-signer signatures), member removal, on anvil. */
class ClusterJoinTest extends AnvilClusterTest {
    @Test
    void aRequestStoresItsBindingAndTheContractRebuildsTheReportData() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        Address node = randomAddress();
        byte[] encKey = random32();
        byte[] evidence = ClusterFixture.evidence(4000);
        long anchor = f.head() - 2;
        BigInteger id = c.writes(f.operator).requestJoin(anchor, node, encKey, evidence);
        assertThat(id).isEqualTo(BigInteger.ONE);

        ClusterReads r = f.reads(c);
        JoinRequest req = r.request(id);
        byte[] anchorHash = f.anvil.rpc().block(BlockRef.number(anchor)).orElseThrow().hash();
        assertThat(req.node()).isEqualTo(node);
        assertThat(req.encKey()).isEqualTo(encKey);
        assertThat(req.anchorNumber()).isEqualTo(anchor);
        assertThat(req.anchorHash()).isEqualTo(anchorHash);
        assertThat(req.evidenceHash()).isEqualTo(Keccak.keccak256(evidence));
        assertThat(req.requestBlock()).isEqualTo(f.head());
        assertThat(req.state()).isEqualTo(RequestState.PENDING);
        assertThat(r.encKeyUsed(encKey)).isTrue();
        assertThat(r.requestCount()).isEqualTo(BigInteger.ONE);

        byte[] expected = ClusterFixture.reportData("dstack4j/cluster/join/v1", f.chainId, c.address(), anchorHash,
                Keccak.keccak256(encKey), node);
        assertThat(r.joinReportData(id)).isEqualTo(expected).hasSize(64);
        assertThat(Arrays.copyOfRange(expected, 32, 64)).containsOnly(0);

        var events = c.events(ChainView.pin(f.anvil.rpc(), 0), req.requestBlock(), "JoinRequested");
        assertThat(events).singleElement().extracting(ClusterContract.Emitted::event)
                .isInstanceOfSatisfying(ClusterEvent.JoinRequested.class, e -> {
                    assertThat(e.id()).isEqualTo(id);
                    assertThat(e.node()).isEqualTo(node);
                    assertThat(e.anchorHash()).isEqualTo(anchorHash);
                    assertThat(Keccak.keccak256(e.evidence())).isEqualTo(req.evidenceHash());
                    assertThat((byte[]) org.dstack4j.chain.abi.Abi.decode("(bytes,string,string)", e.evidence()).get(0)).hasSize(4000);
                });
        refused(() -> r.joinReportData(BigInteger.TEN), "UnknownRequest");
        refused(() -> r.request(BigInteger.TEN), "UnknownRequest");
    }

    @Test
    void anchorsMustBeRecentAndKnown() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        long old = f.head();
        f.anvil.mine(ClusterFixture.MAX_ANCHOR_AGE); // the request lands in block old + MAX + 1
        ContractRevert tooOld = refused(() -> c.writes(f.operator).requestJoin(old, randomAddress(), random32(),
                ClusterFixture.evidence(10)), "AnchorTooOld");
        assertThat(tooOld.args().get(1)).isEqualTo(BigInteger.valueOf(ClusterFixture.MAX_ANCHOR_AGE + 1));
        // exactly the maximum age is still fine
        c.writes(f.operator).requestJoin(old + 1, randomAddress(), random32(), ClusterFixture.evidence(10));
        // the block being built and later blocks have no hash yet
        refused(() -> c.writes(f.operator).requestJoin(f.head() + 1, randomAddress(), random32(), ClusterFixture.evidence(10)),
                "AnchorUnknown");
        refused(() -> c.writes(f.operator).requestJoin(f.head() + 100, randomAddress(), random32(), ClusterFixture.evidence(10)),
                "AnchorUnknown");
        refused(() -> c.writes(f.operator).requestJoin(0, randomAddress(), random32(), ClusterFixture.evidence(10)), "AnchorTooOld");
    }

    @Test
    void encryptionKeysAreSingleUseAndRequestsNeedAnOperator() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        byte[] key = random32();
        f.join(c, randomAddress(), key);
        ContractRevert reused = refused(() -> f.join(c, randomAddress(), key), "EncKeyUsed");
        assertThat((byte[]) reused.args().get(0)).isEqualTo(key);
        refused(() -> f.join(c, randomAddress(), new byte[32]), "ZeroKey");
        refused(() -> f.join(c, Address.ZERO, random32()), "ZeroAddress");
        refused(() -> c.writes(f.stranger).requestJoin(f.head(), randomAddress(), random32(), ClusterFixture.evidence(10)),
                "NotOperator");
        ContractRevert big = refused(() -> c.writes(f.operator).requestJoin(f.head(), randomAddress(), random32(),
                new byte[131073]), "EvidenceTooLarge");
        assertThat(big.args()).containsExactly(BigInteger.valueOf(131073), BigInteger.valueOf(131072));
    }

    @Test
    void onboardIsAcceptedOnceFromTheClusterSigner() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        ClusterTypedData typed = b.typed(f.chainId);
        Address node = randomAddress();
        BigInteger id = f.join(c, node, random32());
        byte[] sealed = new byte[80];
        ClusterFixture.RND.nextBytes(sealed);
        byte[] sig = b.signer().sign(typed.onboardDigest(id, sealed, 1)).toBytes();

        var receipt = c.writes(f.stranger).onboard(id, sealed, sig); // anyone may relay it
        assertThat(c.events(receipt)).singleElement().isInstanceOfSatisfying(ClusterEvent.Onboarded.class, e -> {
            assertThat(e.id()).isEqualTo(id);
            assertThat(e.node()).isEqualTo(node);
            assertThat(e.sealedSecret()).isEqualTo(sealed);
        });
        ClusterReads r = f.reads(c);
        assertThat(r.request(id).state()).isEqualTo(RequestState.ONBOARDED);
        assertThat(r.isMember(node)).isTrue();
        ContractRevert replay = refused(() -> c.writes(f.stranger).onboard(id, sealed, sig), "RequestNotPending");
        assertThat(replay.args()).containsExactly(id, RequestState.ONBOARDED.ordinal());
        refused(() -> c.writes(f.stranger).onboard(BigInteger.valueOf(99), sealed, sig), "UnknownRequest");
    }

    @Test
    void onboardRefusesEveryBadSignature() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        ClusterTypedData typed = b.typed(f.chainId);
        BigInteger id = f.join(c, randomAddress(), random32());
        BigInteger other = f.join(c, randomAddress(), random32());
        byte[] sealed = random32();
        byte[] digest = typed.onboardDigest(id, sealed, 1);
        byte[] good = b.signer().sign(digest).toBytes();
        SigningKey stranger = SigningKey.random(ClusterFixture.RND);

        ContractRevert wrong = refused(() -> c.writes(f.operator).onboard(id, sealed, stranger.sign(digest).toBytes()), "WrongSigner");
        assertThat(address(wrong.args().get(0))).isEqualTo(stranger.address());
        refused(() -> c.writes(f.operator).onboard(id, sealed, malleate(good)), "BadSignature");
        assertThat(refused(() -> c.writes(f.operator).onboard(id, sealed, malleate(good)), "BadSignature").args())
                .containsExactly(2); // HighS
        for (int v : new int[] {0, 1, 29, 255}) {
            assertThat(refused(() -> c.writes(f.operator).onboard(id, sealed, withV(good, v)), "BadSignature").args())
                    .containsExactly(3); // V
        }
        assertThat(refused(() -> c.writes(f.operator).onboard(id, sealed, Arrays.copyOf(good, 64)), "BadSignature").args())
                .containsExactly(1); // Length
        assertThat(refused(() -> c.writes(f.operator).onboard(id, sealed, Arrays.copyOf(good, 66)), "BadSignature").args())
                .containsExactly(1);
        assertThat(refused(() -> c.writes(f.operator).onboard(id, sealed, new byte[0]), "BadSignature").args()).containsExactly(1);
        byte[] zeroR = good.clone();
        Arrays.fill(zeroR, 0, 32, (byte) 0);
        assertThat(refused(() -> c.writes(f.operator).onboard(id, sealed, zeroR), "BadSignature").args())
                .containsExactly(4); // ecrecover -> 0
        // a genuine signature over something else: other sealed bytes, other request, other epoch, other domain
        refused(() -> c.writes(f.operator).onboard(id, random32(), good), "WrongSigner");
        refused(() -> c.writes(f.operator).onboard(other, sealed, good), "WrongSigner");
        refused(() -> c.writes(f.operator).onboard(id, sealed, b.signer().sign(typed.onboardDigest(id, sealed, 2)).toBytes()),
                "WrongSigner");
        ClusterTypedData otherChain = new ClusterTypedData(f.chainId.add(BigInteger.ONE), c.address());
        refused(() -> c.writes(f.operator).onboard(id, sealed, b.signer().sign(otherChain.onboardDigest(id, sealed, 1)).toBytes()),
                "WrongSigner");
        ClusterTypedData otherContract = new ClusterTypedData(f.chainId, randomAddress());
        refused(() -> c.writes(f.operator).onboard(id, sealed, b.signer().sign(otherContract.onboardDigest(id, sealed, 1)).toBytes()),
                "WrongSigner");
        // a reject signature is not an onboard signature
        refused(() -> c.writes(f.operator).onboard(id, sealed, b.signer().sign(typed.rejectDigest(id, 1)).toBytes()), "WrongSigner");
        // after all that, the genuine one still works
        c.writes(f.operator).onboard(id, sealed, good);
    }

    /** A pending request with a genuine onboard signature, not yet sent. */
    private record SignedAnswer(ClusterContract contract, BigInteger id, long requestBlock, byte[] sealed, byte[] sig) {}

    private SignedAnswer pendingWithAnswer() throws Exception {
        var b = f.bootstrapped();
        BigInteger id = f.join(b.contract(), randomAddress(), random32());
        byte[] sealed = random32();
        return new SignedAnswer(b.contract(), id, f.reads(b.contract()).request(id).requestBlock(), sealed,
                b.signer().sign(b.typed(f.chainId).onboardDigest(id, sealed, 1)).toBytes());
    }

    @Test
    void anExpiredRequestCannotBeOnboarded() throws Exception {
        SignedAnswer a = pendingWithAnswer();
        // the onboard lands in head + 1; the last allowed block is requestBlock + TTL
        f.anvil.mine(a.requestBlock() + ClusterFixture.REQUEST_TTL - f.head());
        ContractRevert expired = refused(() -> a.contract().writes(f.operator).onboard(a.id(), a.sealed(), a.sig()), "RequestExpired");
        assertThat(expired.args()).containsExactly(a.id(), BigInteger.valueOf(a.requestBlock() + ClusterFixture.REQUEST_TTL));
        assertThat(f.reads(a.contract()).request(a.id()).state()).isEqualTo(RequestState.PENDING);
    }

    @Test
    void theLastBlockOfTheTtlStillAccepts() throws Exception {
        SignedAnswer a = pendingWithAnswer();
        f.anvil.mine(a.requestBlock() + ClusterFixture.REQUEST_TTL - 1 - f.head());
        var r = a.contract().writes(f.operator).onboard(a.id(), a.sealed(), a.sig());
        assertThat(r.blockNumber()).isEqualTo(a.requestBlock() + ClusterFixture.REQUEST_TTL);
    }

    @Test
    void rejectRecordsTheFailedCheckFromTheSignerOnly() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        ClusterTypedData typed = b.typed(f.chainId);
        Address node = randomAddress();
        BigInteger id = f.join(c, node, random32());
        refused(() -> c.writes(f.operator).reject(id, 11, SigningKey.random(ClusterFixture.RND).sign(typed.rejectDigest(id, 11)).toBytes()),
                "WrongSigner");
        refused(() -> c.writes(f.operator).reject(id, 11, b.signer().sign(typed.rejectDigest(id, 12)).toBytes()), "WrongSigner");
        refused(() -> c.writes(f.operator).reject(id, 0, b.signer().sign(typed.rejectDigest(id, 0)).toBytes()), "InvalidCheck");
        byte[] sig = b.signer().sign(typed.rejectDigest(id, 11)).toBytes();
        refused(() -> c.writes(f.operator).reject(id, 11, malleate(sig)), "BadSignature");
        var receipt = c.writes(f.stranger).reject(id, 11, sig);
        assertThat(c.events(receipt)).containsExactly(new ClusterEvent.Rejected(id, node, 11));
        ClusterReads r = f.reads(c);
        assertThat(r.request(id).state()).isEqualTo(RequestState.REJECTED);
        assertThat(r.rejectedCheck(id)).isEqualTo(11);
        assertThat(r.isMember(node)).isFalse();
        refused(() -> c.writes(f.stranger).reject(id, 11, sig), "RequestNotPending");
        byte[] sealed = random32();
        refused(() -> c.writes(f.stranger).onboard(id, sealed, b.signer().sign(typed.onboardDigest(id, sealed, 1)).toBytes()),
                "RequestNotPending");
    }

    @Test
    void aRemovedMemberCanNeitherBeOnboardedNorAskAgain() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        ClusterTypedData typed = b.typed(f.chainId);
        Address node = randomAddress();
        BigInteger first = f.join(c, node, random32());
        byte[] sealed = random32();
        c.writes(f.operator).onboard(first, sealed, b.signer().sign(typed.onboardDigest(first, sealed, 1)).toBytes());
        assertThat(f.reads(c).isMember(node)).isTrue();
        // it restarts and asks again (allowed while a member), then is removed before the answer
        BigInteger second = f.join(c, node, random32());
        refused(() -> c.writes(f.stranger).removeMember(node), "NotGovernor");
        var removed = c.writes(f.governor).removeMember(node);
        assertThat(c.events(removed)).containsExactly(new ClusterEvent.MemberRemoved(node));
        assertThat(f.reads(c).isMember(node)).isFalse();
        assertThat(f.reads(c).isRemoved(node)).isTrue();
        byte[] s2 = random32();
        refused(() -> c.writes(f.operator).onboard(second, s2, b.signer().sign(typed.onboardDigest(second, s2, 1)).toBytes()),
                "NodeRemoved");
        refused(() -> f.join(c, node, random32()), "NodeRemoved");
        // others still join
        f.join(c, randomAddress(), random32());
    }

    private static Address address(Object headlongAddress) {
        return org.dstack4j.chain.abi.Abi.address((com.esaulpaugh.headlong.abi.Address) headlongAddress);
    }
}
