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
public final class ChainView implements ChainReader {
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
        return pinAt(rpc, Math.max(0, latest - depth));
    }

    /** Pins the view at block {@code number} (which the endpoint must have). */
    public static ChainView pinAt(JsonRpcClient rpc, long number) throws RpcException {
        return new ChainView(rpc, fetch(rpc, number), DEFAULT_LOG_RANGE);
    }

    private static Block fetch(JsonRpcClient rpc, long n) throws RpcException {
        Block b = rpc.block(BlockRef.number(n)).orElseThrow(() -> new RpcException(
                new RpcError.Malformed(rpc.endpoint(), "eth_getBlockByNumber", "block " + n + " is missing")));
        if (b.number() != n) {
            throw new RpcException(new RpcError.Malformed(rpc.endpoint(), "eth_getBlockByNumber", "asked for block " + n + ", got " + b.number()));
        }
        return b;
    }

    /** The same pin with another per-request log range. */
    public ChainView withLogRange(long blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("log range must be >= 1 block");
        }
        return new ChainView(rpc, block, blocks);
    }

    @Override
    public Block block() {
        return block;
    }

    @Override
    public Block blockAt(long number) throws RpcException {
        if (number > block.number()) {
            throw new IllegalArgumentException("block " + number + " is above the pinned block " + block.number());
        }
        return number == block.number() ? block : fetch(rpc, number);
    }

    /** The client this view reads through. */
    public JsonRpcClient rpc() {
        return rpc;
    }

    /** {@code eth_call} at the pinned block (by hash). */
    @Override
    public byte[] call(Address to, byte[] data) throws RpcException {
        return rpc.ethCall(Optional.empty(), to, data, BlockRef.hash(block.hash()));
    }

    /**
     * Logs matching {@code filter} from {@code filter.fromBlock()} up to the pinned block (the filter's
     * toBlock is lowered to it), in chunks of the log range, in chain order; removed logs are refused.
     * A chunk whose answer exceeds the client's size cap is split in halves down to single blocks, so
     * many large events (evidence) slow a reader down but cannot stop it.
     *
     * @throws RpcException also when the pinned block was reorged away during the read
     */
    @Override
    public List<Log> logs(LogFilter filter) throws RpcException {
        long to = Math.min(filter.toBlock(), block.number());
        List<Log> out = new ArrayList<>();
        for (long from = filter.fromBlock(); from <= to; from += logRange) {
            collect(filter, from, Math.min(to, from + logRange - 1), out);
        }
        ensureCanonical();
        return out;
    }

    private void collect(LogFilter filter, long from, long to, List<Log> out) throws RpcException {
        List<Log> chunk;
        try {
            chunk = rpc.logs(filter.withRange(from, to));
        } catch (RpcException e) {
            if (e.error() instanceof RpcError.TooLarge && from < to) {
                long mid = from + (to - from) / 2;
                collect(filter, from, mid, out);
                collect(filter, mid + 1, to, out);
                return;
            }
            throw e;
        }
        for (Log l : chunk) {
            if (l.removed()) {
                throw new RpcException(new RpcError.Malformed(rpc.endpoint(), "eth_getLogs", "a removed log below the confirmed depth"));
            }
            out.add(l);
        }
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
