package org.dstack4j.chain.rpc;

import java.math.BigInteger;
import java.util.Optional;

/**
 * The header fields of a block that the cluster reads.
 *
 * @param number block number
 * @param hash 32-byte block hash
 * @param parentHash 32-byte parent hash
 * @param timestamp unix seconds (the chain's time, not the local clock)
 * @param baseFeePerGas wei; empty before London
 */
public record Block(long number, byte[] hash, byte[] parentHash, long timestamp, Optional<BigInteger> baseFeePerGas) {
    public Block {
        hash = hash.clone();
        parentHash = parentHash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public byte[] parentHash() {
        return parentHash.clone();
    }
}
