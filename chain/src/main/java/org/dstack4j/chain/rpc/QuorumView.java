package org.dstack4j.chain.rpc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;

/**
 * Reads that need a quorum of RPC endpoints to agree, byte for byte, all pinned at the same confirmed
 * block (same number and hash). The quorum must be a strict majority, so at most one answer can win.
 * An endpoint that fails counts as no vote; one that answers differently is outvoted, and when no answer
 * reaches the quorum the read fails with {@link RpcError.Disagreement}. This defeats a minority of lying
 * endpoints, not a lying majority.
 */
public final class QuorumView implements ChainReader {
    private final List<ChainView> views;
    private final int quorum;
    private final String names;

    private QuorumView(List<ChainView> views, int quorum, String names) {
        this.views = List.copyOf(views);
        this.quorum = quorum;
        this.names = names;
    }

    /**
     * Pins all endpoints at the highest block that {@code quorum} of them have, minus {@code depth}, and
     * keeps those that agree on its hash.
     *
     * @param quorum how many endpoints must agree: more than half of {@code endpoints}
     * @throws IllegalArgumentException when the quorum is not a strict majority
     * @throws RpcException {@link RpcError.Disagreement} when fewer than {@code quorum} answer or agree on the block
     */
    public static QuorumView pin(List<JsonRpcClient> endpoints, int depth, int quorum) throws RpcException {
        int n = endpoints.size();
        if (n == 0 || quorum <= n / 2 || quorum > n) {
            throw new IllegalArgumentException("the quorum must be a strict majority of the " + n + " RPC endpoints (got " + quorum
                    + "): with fewer, two different answers could both reach it");
        }
        if (depth < 0) {
            throw new IllegalArgumentException("confirmation depth must be >= 0, got " + depth);
        }
        String names = endpoints.stream().map(JsonRpcClient::endpoint).toList().toString();
        List<long[]> heads = new ArrayList<>(); // {index, head}
        for (int i = 0; i < n; i++) {
            try {
                heads.add(new long[] {i, endpoints.get(i).blockNumber()});
            } catch (RpcException e) {
                // no vote
            }
        }
        if (heads.size() < quorum) {
            throw disagreement(names, "eth_blockNumber", heads.size() + " of " + n + " endpoints answered, " + quorum + " needed");
        }
        heads.sort(Comparator.comparingLong((long[] h) -> h[1]).reversed());
        long number = Math.max(0, heads.get(quorum - 1)[1] - depth);
        Map<String, List<ChainView>> byHash = new LinkedHashMap<>();
        for (long[] h : heads) {
            try {
                ChainView v = ChainView.pinAt(endpoints.get((int) h[0]), number);
                byHash.computeIfAbsent(Hex.data(v.block().hash()), k -> new ArrayList<>()).add(v);
            } catch (RpcException e) {
                // no vote
            }
        }
        for (List<ChainView> group : byHash.values()) {
            if (group.size() >= quorum) {
                return new QuorumView(group, quorum, names);
            }
        }
        throw disagreement(names, "eth_getBlockByNumber", "block " + number + " has " + byHash.size() + " different hashes, "
                + "no quorum of " + quorum);
    }

    @Override
    public Block block() {
        return views.get(0).block();
    }

    @Override
    public byte[] call(Address to, byte[] data) throws RpcException {
        return agree("eth_call", v -> v.call(to, data), Hex::data);
    }

    @Override
    public List<Log> logs(LogFilter filter) throws RpcException {
        return agree("eth_getLogs", v -> v.logs(filter), QuorumView::key);
    }

    @Override
    public Block blockAt(long number) throws RpcException {
        return agree("eth_getBlockByNumber", v -> v.blockAt(number), b -> Hex.data(b.hash()));
    }

    /** How many endpoints agreed on the pinned block. */
    public int agreeing() {
        return views.size();
    }

    private interface Read<T> {
        T from(ChainView v) throws RpcException;
    }

    private <T> T agree(String method, Read<T> read, java.util.function.Function<T, String> key) throws RpcException {
        Map<String, Integer> votes = new HashMap<>();
        Map<String, T> answers = new HashMap<>();
        int failed = 0;
        for (ChainView v : views) {
            try {
                T t = read.from(v);
                String k = key.apply(t);
                answers.putIfAbsent(k, t);
                if (votes.merge(k, 1, Integer::sum) >= quorum) {
                    return answers.get(k);
                }
            } catch (RpcException e) {
                failed++;
                if (e.error() instanceof RpcError.Remote r && r.revertData().isPresent()) {
                    // a revert is an answer too: count it as one
                    String k = "revert:" + Hex.data(r.revertData().get());
                    if (votes.merge(k, 1, Integer::sum) >= quorum) {
                        throw e;
                    }
                }
            }
        }
        throw disagreement(names, method, votes.size() + " different answers and " + failed + " failures, no quorum of " + quorum);
    }

    private static String key(List<Log> logs) {
        StringBuilder sb = new StringBuilder();
        for (Log l : logs) {
            sb.append(l.address().toLowerHex()).append(Hex.data(l.blockHash())).append(l.logIndex()).append(Hex.data(l.transactionHash()));
            l.topics().forEach(t -> sb.append(Hex.data(t)));
            sb.append(Hex.data(l.data())).append(';');
        }
        return sb.toString();
    }

    private static RpcException disagreement(String names, String method, String detail) {
        return new RpcException(new RpcError.Disagreement(names, method, detail));
    }
}
