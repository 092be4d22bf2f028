package org.dstack4j.cluster.daemon;

import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.QuorumView;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;

/**
 * Where a node reads the chain: one JSON-RPC endpoint, or several of which {@code quorum} (a strict majority) must
 * agree byte for byte on the pinned block and on every answer ({@link QuorumView}). With one endpoint a lying RPC
 * can show the node any policy or hide any event; with a quorum it must control a majority. A read on which the
 * endpoints disagree fails ({@link RpcError.Disagreement}): the node then decides nothing (fail closed).
 *
 * @param endpoints the RPC clients, at least one
 * @param quorum    how many must agree: 1 with one endpoint, otherwise more than half of them
 */
public record ChainSource(List<JsonRpcClient> endpoints, int quorum) {
    public ChainSource {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) throw new IllegalArgumentException("give at least one RPC endpoint");
        if (endpoints.size() == 1 && quorum != 1) throw new IllegalArgumentException("one RPC endpoint needs quorum 1, got " + quorum);
        if (endpoints.size() > 1 && (quorum <= endpoints.size() / 2 || quorum > endpoints.size())) {
            throw new IllegalArgumentException("the RPC quorum must be a strict majority of the " + endpoints.size()
                    + " endpoints (got " + quorum + "): with fewer, two different answers could both reach it");
        }
    }

    /** One endpoint. */
    public static ChainSource single(JsonRpcClient rpc) {
        return new ChainSource(List.of(rpc), 1);
    }

    /** Several endpoints with the smallest strict majority as quorum (2 of 2 or 3, 3 of 4 or 5, ...). */
    public static ChainSource majority(List<JsonRpcClient> endpoints) {
        return new ChainSource(endpoints, endpoints.size() / 2 + 1);
    }

    /** Reads pinned at {@code head − confirmations}: a {@link ChainView} for one endpoint, a {@link QuorumView} for several. */
    public ChainReader pin(int confirmations) throws RpcException {
        return endpoints.size() == 1 ? ChainView.pin(endpoints.get(0), confirmations) : QuorumView.pin(endpoints, confirmations, quorum);
    }

    /** The disagreement among endpoints that caused {@code t}, if that is what it was. */
    public static Optional<RpcError.Disagreement> disagreement(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RpcException r && r.error() instanceof RpcError.Disagreement d) return Optional.of(d);
        }
        return Optional.empty();
    }
}
