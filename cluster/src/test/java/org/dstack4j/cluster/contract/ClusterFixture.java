package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.chain.crypto.Secp256k1;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.chain.tx.TransactionSender;

/**
 * One real anvil per test class and helpers to deploy and drive a fresh DstackCluster per test:
 * account 0 governs, account 1 operates, account 2 is a stranger.
 */
class ClusterFixture implements AutoCloseable {
    static final long POLICY_DELAY = 3600;
    static final long MAX_ANCHOR_AGE = 16;
    static final long REQUEST_TTL = 20;
    static final SecureRandom RND = new SecureRandom();

    final Anvil anvil;
    final BigInteger chainId;
    final TransactionSender governor;
    final TransactionSender operator;
    final TransactionSender stranger;
    final TransactionSender other;

    ClusterFixture() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        chainId = anvil.chainId();
        governor = sender(0);
        operator = sender(1);
        stranger = sender(2);
        other = sender(3);
    }

    TransactionSender sender(int account) {
        return new TransactionSender(anvil.rpc(), anvil.account(account), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
    }

    ClusterContract deploy() throws Exception {
        return ClusterContract.deploy(governor, governor.from(), POLICY_DELAY, MAX_ANCHOR_AGE, REQUEST_TTL);
    }

    ClusterReads reads(ClusterContract c) throws RpcException {
        return c.reads(ChainView.pin(anvil.rpc(), 0));
    }

    long head() throws RpcException {
        return anvil.rpc().blockNumber();
    }

    /** A bootstrapped cluster: operator allowed, genesis submitted by it and bootstrapped by the governor. */
    Bootstrapped bootstrapped() throws Exception {
        ClusterContract c = deploy();
        c.writes(governor).setOperator(operator.from(), true);
        SigningKey signer = SigningKey.random(RND);
        byte[] encKey = random32();
        Address node = randomAddress();
        BigInteger gid = c.writes(operator).submitGenesis(head(), node, signer.address(), encKey, evidence(100));
        c.writes(governor).bootstrap(gid, node);
        return new Bootstrapped(c, signer, encKey, node, gid);
    }

    record Bootstrapped(ClusterContract contract, SigningKey signer, byte[] encKey, Address genesisNode, BigInteger genesisId) {
        ClusterTypedData typed(BigInteger chainId) {
            return new ClusterTypedData(chainId, contract.address());
        }
    }

    BigInteger join(ClusterContract c, Address node, byte[] encKey) throws Exception {
        return c.writes(operator).requestJoin(head(), node, encKey, evidence(200));
    }

    static byte[] random32() {
        byte[] b = new byte[32];
        RND.nextBytes(b);
        return b;
    }

    static Address randomAddress() {
        byte[] b = new byte[20];
        RND.nextBytes(b);
        return new Address(b);
    }

    static byte[] evidence(int quoteLen) {
        byte[] q = new byte[quoteLen];
        RND.nextBytes(q);
        // the shape of docs/cluster-protocol.md's evidence: abi.encode(bytes quote, string eventLog, string appCompose)
        return org.dstack4j.chain.abi.Abi.encode("(bytes,string,string)", q, "[{\"imr\":3,\"event\":\"compose-hash\"}]",
                "{\"runner\":\"docker-compose\"}");
    }

    /** The Java side of the join binding (docs/cluster-protocol.md, "Report data"). */
    static byte[] reportData(String tag, BigInteger chainId, Address contract, byte[] anchorHash, byte[] keyHash, Address node) {
        byte[] h = Keccak.keccak256(Words.encode(Keccak.keccak256(tag), Words.uint256(chainId), Words.address(contract),
                Words.bytes32(anchorHash), Words.bytes32(keyHash), Words.address(node)));
        byte[] out = new byte[64];
        System.arraycopy(h, 0, out, 0, 32);
        return out;
    }

    /** {@code sig} as (n - s, flipped v): the same signature, malleated to high s. */
    static byte[] malleate(byte[] sig) {
        byte[] m = sig.clone();
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        System.arraycopy(Hex.word(Secp256k1.N.subtract(s)), 0, m, 32, 32);
        m[64] = (byte) (sig[64] == 27 ? 28 : 27);
        return m;
    }

    static byte[] withV(byte[] sig, int v) {
        byte[] m = sig.clone();
        m[64] = (byte) v;
        return m;
    }

    /** Runs {@code call} and asserts the contract refused it with custom error {@code name}; returns the error. */
    static ContractRevert refused(ThrowingCall call, String name) {
        ClusterContractException e = catchThrowableOfType(ClusterContractException.class, call::run);
        assertThat(e).as("expected the contract to refuse with " + name).isNotNull();
        assertThat(e.errorName()).as(e.getMessage()).contains(name);
        assertThat(e.getMessage()).contains(name);
        return e.revert().orElseThrow();
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Override
    public void close() {
        anvil.close();
    }
}
