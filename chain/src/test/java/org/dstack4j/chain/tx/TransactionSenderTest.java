package org.dstack4j.chain.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.Receipt;
import org.junit.jupiter.api.Test;

/** Receipt waiting against anvil with interval mining and with mining off. */
class TransactionSenderTest {
    @Test
    void aTransactionIsFoundOnceABlockIncludesIt() throws Exception {
        try (Anvil anvil = Anvil.start(DevTools.locate().anvil(), List.of("--block-time", "1"), Duration.ofSeconds(20))) {
            TransactionSender s = new TransactionSender(anvil.rpc(), anvil.account(0), anvil.chainId(), Duration.ofSeconds(10),
                    Duration.ofMillis(100));
            long before = anvil.rpc().blockNumber();
            Receipt r = s.sendAndWait(Optional.of(anvil.account(1).address()), new byte[0], BigInteger.ONE);
            assertThat(r.success()).isTrue();
            assertThat(r.blockNumber()).isGreaterThan(before);
            assertThat(r.effectiveGasPrice()).isPositive();
        }
    }

    @Test
    void anUnminedTransactionFailsAtTheDeadline() throws Exception {
        try (Anvil anvil = Anvil.start(DevTools.locate().anvil(), List.of("--no-mining"), Duration.ofSeconds(20))) {
            TransactionSender s = new TransactionSender(anvil.rpc(), anvil.account(0), anvil.chainId(), Duration.ofMillis(600),
                    Duration.ofMillis(50));
            assertThatThrownBy(() -> s.sendAndWait(Optional.of(anvil.account(1).address()), new byte[0], BigInteger.ONE))
                    .isInstanceOfSatisfying(TransactionFailedException.class, e -> {
                        assertThat(e.getMessage()).contains("was not mined within");
                        assertThat(e.receipt()).isEmpty();
                    });
            // the pending transaction holds nonce 0; the next send takes nonce 1
            byte[] second = s.send(Optional.of(anvil.account(1).address()), new byte[0], BigInteger.ONE);
            anvil.mine(1);
            Receipt r = s.waitForReceipt(second, Duration.ofSeconds(5));
            assertThat(r.success()).isTrue();
            assertThat(anvil.rpc().transactionCount(s.from(), org.dstack4j.chain.rpc.BlockRef.LATEST)).isEqualTo(2);
        }
    }
}
