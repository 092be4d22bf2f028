package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dstack4j.cluster.contract.ClusterFixture.random32;
import static org.dstack4j.cluster.contract.ClusterFixture.randomAddress;

import java.math.BigInteger;
import org.dstack4j.chain.rpc.Receipt;
import org.junit.jupiter.api.Test;

/**
 * Gas (deterministic, not time) of a join with evidence of a realistic size: a quote with its PCK chain
 * (~5 KB) plus an event log and app-compose (~10 KB). Guards against a change that makes joins costly.
 */
class GasBudgetTest extends AnvilClusterTest {
    @Test
    void aJoinWithFifteenKilobytesOfEvidenceStaysWithinBudget() throws Exception {
        var b = f.bootstrapped();
        ClusterContract c = b.contract();
        byte[] evidence = ClusterFixture.evidence(15_000);
        byte[] encKey = random32();
        Receipt req = c.writes(f.operator).sendCalldata(c.requestJoinCall(f.head(), randomAddress(), encKey, evidence));
        BigInteger id = BigInteger.ONE;
        byte[] sealed = new byte[80];
        Receipt onboard = c.writes(f.operator).onboard(id, sealed, b.signer().sign(b.typed(f.chainId).onboardDigest(id, sealed, 1)).toBytes());
        System.out.printf("gas: requestJoin with %d B evidence %s, onboard %s%n", evidence.length, req.gasUsed(), onboard.gasUsed());
        // calldata (~16 gas/byte) + log data (8 gas/byte) dominate the request
        assertThat(req.gasUsed()).isLessThan(BigInteger.valueOf(30L * evidence.length + 250_000));
        assertThat(onboard.gasUsed()).isLessThan(BigInteger.valueOf(100_000));
    }
}
