package org.dstack4j.chain.rpc;

import java.util.List;
import org.dstack4j.chain.Address;

/**
 * One event log as {@code eth_getLogs} / receipts return it.
 *
 * @param address emitting contract
 * @param topics 32-byte topics (topic 0 is the event signature hash for non-anonymous events)
 * @param data the ABI-encoded non-indexed arguments
 * @param blockNumber block of the transaction
 * @param blockHash 32-byte hash of that block
 * @param transactionHash 32-byte transaction hash
 * @param logIndex index in the block
 * @param removed true when a reorg removed it
 */
public record Log(Address address, List<byte[]> topics, byte[] data, long blockNumber, byte[] blockHash,
                  byte[] transactionHash, long logIndex, boolean removed) {
    public Log {
        topics = topics.stream().map(byte[]::clone).toList();
        data = data.clone();
        blockHash = blockHash.clone();
        transactionHash = transactionHash.clone();
    }

    @Override
    public List<byte[]> topics() {
        return topics.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public byte[] blockHash() {
        return blockHash.clone();
    }

    @Override
    public byte[] transactionHash() {
        return transactionHash.clone();
    }

    /** topic {@code i} (0-based); the caller knows the event has it. */
    public byte[] topic(int i) {
        return topics.get(i).clone();
    }
}
