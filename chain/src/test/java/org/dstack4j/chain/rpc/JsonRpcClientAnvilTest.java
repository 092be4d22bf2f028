package org.dstack4j.chain.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.tx.TransactionFailedException;
import org.dstack4j.chain.tx.TransactionSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client and the confirmed-depth view against a real anvil. */
class JsonRpcClientAnvilTest {
    // A contract whose init code deploys runtime code that emits LOG1(topic = 0x2a, data = calldata)
    // and returns: runtime = CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY PUSH1 0x2a CALLDATASIZE PUSH0 LOG1 STOP
    static final String RUNTIME = "365f5f37602a365fa100";
    static final String INIT = "600a600a5f39600a5ff3" + RUNTIME;

    static Anvil anvil;
    static JsonRpcClient rpc;
    static TransactionSender sender;

    @BeforeAll
    static void start() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        rpc = anvil.rpc();
        sender = new TransactionSender(rpc, anvil.account(0), rpc.chainId(), Duration.ofSeconds(20), Duration.ofMillis(20));
    }

    @AfterAll
    static void stop() {
        if (anvil != null) {
            anvil.close();
        }
    }

    @Test
    void headReadsAndTransfers() throws Exception {
        assertThat(rpc.chainId()).isEqualTo(BigInteger.valueOf(31337));
        long before = rpc.blockNumber();
        Address bob = anvil.account(1).address();
        Receipt r = sender.sendAndWait(Optional.of(bob), new byte[0], BigInteger.TEN);
        assertThat(r.success()).isTrue();
        assertThat(r.blockNumber()).isEqualTo(before + 1);
        assertThat(rpc.blockNumber()).isEqualTo(before + 1);
        Block b = rpc.block(BlockRef.number(r.blockNumber())).orElseThrow();
        assertThat(b.hash()).isEqualTo(r.blockHash());
        assertThat(rpc.block(BlockRef.hash(r.blockHash())).orElseThrow().number()).isEqualTo(r.blockNumber());
        assertThat(b.baseFeePerGas()).isPresent();
        assertThat(rpc.gasPrice()).isPositive();
        assertThat(rpc.feeHistory(2, BlockRef.LATEST, 50.0).baseFeePerGas()).hasSize(3);
        assertThat(rpc.transactionCount(anvil.account(0).address(), BlockRef.LATEST)).isPositive();
        assertThat(rpc.block(BlockRef.number(1_000_000))).isEmpty();
        assertThat(rpc.receipt(new byte[32])).isEmpty();
    }

    @Test
    void backToBackSendsGetConsecutiveNonces() throws Exception {
        Address bob = anvil.account(2).address();
        byte[] h1 = sender.send(Optional.of(bob), new byte[0], BigInteger.ONE);
        byte[] h2 = sender.send(Optional.of(bob), new byte[0], BigInteger.ONE);
        assertThat(sender.waitForReceipt(h1, Duration.ofSeconds(10)).success()).isTrue();
        assertThat(sender.waitForReceipt(h2, Duration.ofSeconds(10)).success()).isTrue();
    }

    @Test
    void aRevertingCallFailsBeforeSendingWithTheRevertData() throws Exception {
        // init code that reverts with 4 bytes 0xdeadbeef: PUSH4 deadbeef PUSH0 MSTORE PUSH1 4 PUSH1 28 REVERT
        byte[] init = Hex.decode("63deadbeef5f526004601cfd");
        long nonce = rpc.transactionCount(sender.from(), BlockRef.LATEST);
        assertThatThrownBy(() -> sender.send(Optional.empty(), init, BigInteger.ZERO))
                .isInstanceOfSatisfying(TransactionFailedException.class,
                        e -> assertThat(e.revertData()).hasValueSatisfying(d -> assertThat(Hex.data(d)).isEqualTo("0xdeadbeef")));
        assertThat(rpc.transactionCount(sender.from(), BlockRef.LATEST)).isEqualTo(nonce);
        assertThatThrownBy(() -> rpc.call("no_such_method"))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.error()).isInstanceOf(RpcError.Remote.class));
    }

    @Test
    void theViewPinsAConfirmedBlockForCallsAndLogs() throws Exception {
        Receipt deployed = sender.sendAndWait(Optional.empty(), Hex.decode(INIT), BigInteger.ZERO);
        Address emitter = deployed.contractAddress().orElseThrow();
        assertThat(rpc.ethCall(Optional.empty(), emitter, new byte[0], BlockRef.LATEST)).isEmpty();
        byte[] topic = Hex.word(BigInteger.valueOf(0x2a));
        long first = sender.sendAndWait(Optional.of(emitter), new byte[] {1}, BigInteger.ZERO).blockNumber();
        long second = sender.sendAndWait(Optional.of(emitter), new byte[] {2}, BigInteger.ZERO).blockNumber();
        assertThat(second).isEqualTo(first + 1);

        ChainView head = ChainView.pin(rpc, 0);
        assertThat(head.blockNumber()).isEqualTo(second);
        List<Log> all = head.withLogRange(1).logs(LogFilter.events(emitter, first, Long.MAX_VALUE / 2, topic));
        assertThat(all).extracting(l -> l.data()[0]).containsExactly((byte) 1, (byte) 2);
        assertThat(all.get(0).topic(0)).isEqualTo(topic);

        ChainView confirmed = ChainView.pin(rpc, 1);
        assertThat(confirmed.blockNumber()).isEqualTo(second - 1);
        assertThat(confirmed.logs(LogFilter.events(emitter, first, second, topic))).extracting(l -> l.data()[0])
                .containsExactly((byte) 1);
        assertThat(ChainView.pin(rpc, 1_000_000).blockNumber()).isZero();
        // a call at the pinned hash sees the state of that block: the contract does not exist before its deployment
        ChainView beforeDeploy = ChainView.pin(rpc, (int) (second - deployed.blockNumber() + 1));
        assertThat(beforeDeploy.blockNumber()).isEqualTo(deployed.blockNumber() - 1);
        assertThat(rpc.ethCall(Optional.empty(), emitter, new byte[0], BlockRef.hash(beforeDeploy.block().hash()))).isEmpty();
    }

    @Test
    void logReadsSplitRangesWhoseAnswerExceedsTheCap() throws Exception {
        Address emitter = sender.sendAndWait(Optional.empty(), Hex.decode(INIT), BigInteger.ZERO).contractAddress().orElseThrow();
        byte[] topic = Hex.word(BigInteger.valueOf(0x2a));
        long first = rpc.blockNumber() + 1;
        for (int i = 0; i < 6; i++) {
            byte[] data = new byte[1500];
            data[0] = (byte) i;
            sender.sendAndWait(Optional.of(emitter), data, BigInteger.ZERO);
        }
        // one log (~3.5 KB of JSON) fits the cap, six do not
        JsonRpcClient small = new JsonRpcClient(anvil.url(), Duration.ofSeconds(5), 6_000);
        assertThatThrownBy(() -> small.logs(LogFilter.events(emitter, first, first + 5, topic)))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.error()).isInstanceOf(RpcError.TooLarge.class));
        List<Log> all = ChainView.pin(small, 0).logs(LogFilter.events(emitter, first, first + 5, topic));
        assertThat(all).extracting(l -> l.data()[0]).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5);
    }

    @Test
    void aReorgBelowThePinIsDetected() throws Exception {
        String snap = anvil.snapshot();
        anvil.mine(2);
        ChainView view = ChainView.pin(rpc, 0);
        anvil.revert(snap);
        anvil.mine(3); // same heights, other blocks (other timestamps)
        assertThatThrownBy(view::ensureCanonical).isInstanceOf(RpcException.class).hasMessageContaining("reorged");
    }
}
