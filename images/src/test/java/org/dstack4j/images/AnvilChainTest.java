package org.dstack4j.images;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.PolicyKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The images tests' chain: one real anvil (pinned npm package) per test class, the governor's sender (dev account 0),
 * random 32-byte image digests and their approval (propose + apply; the tests deploy with policy delay 0).
 */
abstract class AnvilChainTest {
    static Anvil anvil;
    static TransactionSender governor;
    static final SecureRandom RND = new SecureRandom();

    @BeforeAll
    static void chain() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        governor = new TransactionSender(anvil.rpc(), anvil.account(0), anvil.chainId(), Duration.ofSeconds(20), Duration.ofMillis(10));
    }

    @AfterAll
    static void stop() {
        anvil.close();
    }

    static byte[] digest() {
        byte[] d = new byte[32];
        RND.nextBytes(d);
        return d;
    }

    static void approve(ClusterContract c, byte[] d) throws Exception {
        c.writes(governor).proposePolicy(PolicyKind.IMAGE, d);
        c.writes(governor).applyPolicy(PolicyKind.IMAGE, d);
    }
}
