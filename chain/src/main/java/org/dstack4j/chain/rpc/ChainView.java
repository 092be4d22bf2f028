package org.dstack4j.chain.rpc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Address;

/**
 * Reads pinned at one confirmed block: {@code latest - depth} when the view is made. Calls are made at
 * that block by hash (EIP-1898), so a reorg makes them fail rather than read another block; log reads
 * stop at that block and re-check its hash afterwards. A new view is needed to see newer blocks.
 *
 * <p>Residual risk: a lying RPC endpoint can still answer anything; see docs/cluster-contract.md.
 */
public final class ChainView {
    /** Longest block range of one {@code eth_getLogs}: public endpoints refuse wider ones. */
    public static final long DEFAULT_LOG_RANGE = 5_000;

    private final JsonRpcClient rpc;
    private final Block block;
    private final long logRange;

    private ChainView(JsonRpcClient rpc, Block block, long logRange) {
        this.rpc = rpc;
        this.block = block;
        this.logRange = logRange;
    }

    /**
     * Pins the view at {@code latest - depth} (or block 0 when the chain is shorter).
     *
     * @param depth confirmations, >= 0
     */
    public static ChainView pin(JsonRpcClient rpc, int depth) throws RpcException {
        if (depth < 0) {
            throw new IllegalArgumentException("confirmation depth must be >= 0, got " + depth);
        }
        long latest = rpc.blockNumber();
        long n = Math.max(0, latest - depth);
        Block b = rpc.block(BlockRef.number(n)).orElseThrow(() -> new RpcException(
                new RpcError.Malformed(rpc.endpoint(), "eth_getBlockByNumber", "block " + n + " below the head " + latest + " is missing")));
        if (b.number() != n) {
            throw new RpcException(new RpcError.Malformed(rpc.endpoint(), "eth_getBlockByNumber", "asked for block " + n + ", got " + b.number()));
        }
        return new ChainView(rpc, b, DEFAULT_LOG_RANGE);
    }

    /** The same pin with another per-request log range. */
    public ChainView withLogRange(long blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("log range must be >= 1 block");
        }
        return new ChainView(rpc, block, blocks);
    }

    /** The pinned block. */
    public Block block() {
        return block;
    }

    /** Its number. */
    public long blockNumber() {
        return block.number();
    }

    /** The client this view reads through. */
    public JsonRpcClient rpc() {
        return rpc;
    }

    /** {@code eth_call} at the pinned block. */
    public byte[] call(Address to, byte[] data) throws RpcException {
        return rpc.ethCall(Optional.empty(), to, data, BlockRef.hash(block.hash()));
    }

    /**
     * Logs matching {@code filter} from {@code filter.fromBlock()} up to the pinned block (the filter's
     * toBlock is lowered to it), in chunks of the log range, in chain order; removed logs are refused.
     *
     * @throws RpcException also when the pinned block was reorged away during the read
     */
    public List<Log> logs(LogFilter filter) throws RpcException {
        long to = Math.min(filter.toBlock(), block.number());
        List<Log> out = new ArrayList<>();
        for (long from = filter.fromBlock(); from <= to; from += logRange) {
            long end = Math.min(to, from + logRange - 1);
            for (Log l : rpc.logs(filter.withRange(from, end))) {
                if (l.removed()) {
                    throw new RpcException(new RpcError.Malformed(rpc.endpoint(), "eth_getLogs", "a removed log below the confirmed depth"));
                }
                out.add(l);
            }
        }
        ensureCanonical();
        return out;
    }

    /** Fails when the pinned block is no longer the canonical block at its height. */
    public void ensureCanonical() throws RpcException {
        Optional<Block> now = rpc.block(BlockRef.number(block.number()));
        if (now.isEmpty() || !Arrays.equals(now.get().hash(), block.hash())) {
            throw new RpcException(new RpcError.Malformed(rpc.endpoint(), "eth_getBlockByNumber",
                    "block " + block.number() + " was reorged away; the confirmation depth is too small"));
        }
    }
}
