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

    /**
     * The chain id ({@code eth_chainId}) a quorum of the endpoints serves: every endpoint is asked once, and an id that
     * {@code quorum} of them answer wins (a strict majority, so at most one can). Endpoints that failed or answered
     * another id are the minority: reported, not fatal.
     *
     * @return the agreed id and one line per endpoint outside the quorum (its redacted name and what it did)
     * @throws RpcException with one endpoint, its own error; with several, {@link RpcError.Disagreement} when no id
     *     reaches the quorum (its detail names each endpoint's answer or failure)
     */
    public ChainId chainId() throws RpcException {
        if (endpoints.size() == 1) return new ChainId(endpoints.get(0).chainId(), List.of());
        java.util.Map<java.math.BigInteger, List<String>> byId = new java.util.LinkedHashMap<>();
        List<String> failed = new java.util.ArrayList<>();
        for (JsonRpcClient e : endpoints) {
            try {
                byId.computeIfAbsent(e.chainId(), k -> new java.util.ArrayList<>()).add(e.endpoint());
            } catch (RpcException x) {
                failed.add(e.endpoint() + " failed: " + x.getMessage());
            }
        }
        for (var id : byId.entrySet()) {
            if (id.getValue().size() >= quorum) {
                List<String> minority = new java.util.ArrayList<>(failed);
                byId.forEach((other, names) -> {
                    if (!other.equals(id.getKey())) names.forEach(n -> minority.add(n + " serves chain " + other + ", not " + id.getKey()));
                });
                return new ChainId(id.getKey(), minority);
            }
        }
        List<String> answers = new java.util.ArrayList<>(failed);
        byId.forEach((id, names) -> names.forEach(n -> answers.add(n + " serves chain " + id)));
        throw new RpcException(new RpcError.Disagreement(endpoints.stream().map(JsonRpcClient::endpoint).toList().toString(), "eth_chainId",
                "no chain id is served by " + quorum + " of the " + endpoints.size() + " endpoints (" + String.join("; ", answers) + ")"));
    }

    /**
     * A chain id read through the quorum.
     *
     * @param id       the id {@code quorum} endpoints agree on
     * @param minority one line per endpoint that failed or served another id (redacted names)
     */
    public record ChainId(java.math.BigInteger id, List<String> minority) {
        public ChainId {
            java.util.Objects.requireNonNull(id, "id");
            minority = List.copyOf(minority);
        }
    }

    /** The disagreement among endpoints that caused {@code t}, if that is what it was. */
    public static Optional<RpcError.Disagreement> disagreement(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RpcException r && r.error() instanceof RpcError.Disagreement d) return Optional.of(d);
        }
        return Optional.empty();
    }
}
