package org.dstack4j.chain.rpc;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Address;

/**
 * A transaction receipt.
 *
 * @param transactionHash 32 bytes
 * @param blockNumber the block that included it
 * @param blockHash 32 bytes
 * @param success status 1 (false: reverted)
 * @param gasUsed gas units
 * @param effectiveGasPrice wei per gas paid
 * @param contractAddress the created contract, for a deployment
 * @param logs the logs emitted
 */
public record Receipt(byte[] transactionHash, long blockNumber, byte[] blockHash, boolean success, BigInteger gasUsed,
                      BigInteger effectiveGasPrice, Optional<Address> contractAddress, List<Log> logs) {
    public Receipt {
        transactionHash = transactionHash.clone();
        blockHash = blockHash.clone();
        logs = List.copyOf(logs);
    }

    @Override
    public byte[] transactionHash() {
        return transactionHash.clone();
    }

    @Override
    public byte[] blockHash() {
        return blockHash.clone();
    }
}
