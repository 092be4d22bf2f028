package org.dstack4j.chain.rpc;

import java.util.List;
import org.dstack4j.chain.Address;

/**
 * Reads of an EVM chain pinned at one confirmed block: one endpoint ({@link ChainView}) or several that
 * must agree ({@link QuorumView}). Nothing newer than {@link #block()} is ever read.
 */
public interface ChainReader {
    /** The pinned block. */
    Block block();

    /** Its number. */
    default long blockNumber() {
        return block().number();
    }

    /** {@code eth_call} of {@code data} on {@code to} at the pinned block. */
    byte[] call(Address to, byte[] data) throws RpcException;

    /** Logs matching {@code filter} up to the pinned block (its toBlock is lowered to it), in chain order. */
    List<Log> logs(LogFilter filter) throws RpcException;

    /**
     * The header of block {@code number} (at most the pinned one), e.g. for the chain time of a request.
     *
     * @throws IllegalArgumentException when {@code number} is above the pinned block
     */
    Block blockAt(long number) throws RpcException;
}
