package org.dstack4j.chain.tx;

import java.util.Optional;
import org.dstack4j.chain.rpc.Receipt;

/**
 * A transaction that was refused before sending (its gas estimate reverted: {@link #revertData()}),
 * was mined but reverted ({@link #receipt()}), or was not mined before the deadline.
 */
public final class TransactionFailedException extends Exception {
    private final transient Optional<Receipt> receipt;
    private final transient Optional<byte[]> revertData;

    public TransactionFailedException(String message, Optional<Receipt> receipt, Optional<byte[]> revertData) {
        super(message);
        this.receipt = receipt;
        this.revertData = revertData.map(byte[]::clone);
    }

    /** The receipt of a mined, reverted transaction. */
    public Optional<Receipt> receipt() {
        return receipt;
    }

    /** ABI-encoded revert reason (custom error) when the node reported one. */
    public Optional<byte[]> revertData() {
        return revertData.map(byte[]::clone);
    }
}
