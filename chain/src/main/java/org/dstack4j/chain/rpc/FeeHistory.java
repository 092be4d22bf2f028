package org.dstack4j.chain.rpc;

import java.math.BigInteger;
import java.util.List;

/**
 * {@code eth_feeHistory}: base fees (wei) of the blocks asked for plus the next one, and the priority
 * fees paid at the requested percentiles, one list per block.
 */
public record FeeHistory(long oldestBlock, List<BigInteger> baseFeePerGas, List<List<BigInteger>> reward) {
    public FeeHistory {
        baseFeePerGas = List.copyOf(baseFeePerGas);
        reward = reward.stream().map(List::copyOf).toList();
    }
}
