package org.dstack4j.cluster.daemon;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcTransport;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.relay.RelayTunnel;

/**
 * How a node reaches the chain, decided by its measured pin. When the app-compose pins {@code rpc}, the node reads
 * those endpoints, and only those, through its host relay's tunnel (TLS ended in the node), with the pinned quorum:
 * the host chooses nothing. When it pins none (a devnet), the node reads the {@code --rpc} endpoints the host gave it,
 * directly: whoever runs the host then controls what the node reads, unless a quorum of independent endpoints holds.
 * Closing it closes every client and the tunnel.
 */
public final class NodeChain implements AutoCloseable {
    private final ChainSource source;
    private final Optional<RelayTunnel> tunnel;

    private NodeChain(ChainSource source, Optional<RelayTunnel> tunnel) {
        this.source = source;
        this.tunnel = tunnel;
    }

    /**
     * @param pin          the node's measured pin
     * @param rpcOption    the {@code --rpc} URLs given (may be empty)
     * @param quorumOption the {@code --rpc-quorum} given, if any
     * @param relaySocket  the host relay's socket (the tunnel)
     * @param timeout      deadline of one RPC call
     * @throws IllegalArgumentException when the options conflict with the pin, or nothing says where the chain is;
     *     the message names the option and the fix
     */
    public static NodeChain open(ClusterPin pin, List<URI> rpcOption, Optional<Integer> quorumOption, Path relaySocket, Duration timeout) {
        if (pin.rpc().isEmpty()) {
            if (rpcOption.isEmpty()) {
                throw new IllegalArgumentException("the app-compose pins no RPC endpoints (" + ClusterPin.FIELD + ".rpc): pin them "
                        + "(the node then reads them through the relay), or, on a devnet only, give --rpc URL");
            }
            List<JsonRpcClient> clients = new ArrayList<>();
            for (URI u : rpcOption) clients.add(new JsonRpcClient(u, timeout, JsonRpcClient.DEFAULT_MAX_RESPONSE));
            try {
                return new NodeChain(source(clients, quorumOption.orElse(null)), Optional.empty());
            } catch (IllegalArgumentException e) {
                clients.forEach(JsonRpcClient::close);
                throw new IllegalArgumentException("--rpc-quorum: " + e.getMessage(), e);
            }
        }
        ClusterPin.RpcPin rpc = pin.rpc().get();
        if (!rpcOption.isEmpty() && !new HashSet<>(rpcOption).equals(new HashSet<>(rpc.endpoints()))) {
            throw new IllegalArgumentException("--rpc " + rpcOption.stream().map(RpcTransport::redact).toList() + " conflicts with the RPC endpoints the app-compose pins ("
                    + ClusterPin.FIELD + ".rpc, " + rpc.endpoints().size() + " endpoints): drop --rpc; the pinned list is read through the relay");
        }
        if (quorumOption.isPresent() && quorumOption.get() != rpc.quorum()) {
            throw new IllegalArgumentException("--rpc-quorum " + quorumOption.get() + " conflicts with the pinned rpc_quorum " + rpc.quorum()
                    + ": drop --rpc-quorum");
        }
        RelayTunnel.Trust trust = rpc.caPem().<RelayTunnel.Trust>map(RelayTunnel.PinnedCa::fromPem).orElse(new RelayTunnel.JdkTrust());
        RelayTunnel tunnel = new RelayTunnel(relaySocket, trust, timeout, JsonRpcClient.DEFAULT_MAX_RESPONSE);
        List<JsonRpcClient> clients = rpc.endpoints().stream().map(tunnel::rpc).toList();
        return new NodeChain(new ChainSource(clients, rpc.quorum()), Optional.of(tunnel));
    }

    private static ChainSource source(List<JsonRpcClient> clients, Integer quorum) {
        return quorum == null ? ChainSource.majority(clients) : new ChainSource(clients, quorum);
    }

    /**
     * Checks, at startup, that the endpoints serve the pinned chain: {@code eth_chainId} read through the quorum
     * ({@link ChainSource#chainId()}), so one failing or lying endpoint among the pinned ones does not stop the node.
     *
     * @param pinnedChainId the chain id the app-compose pins
     * @param warn          receives one line per endpoint outside the quorum (down, or serving another chain)
     * @throws RpcException when no chain id reaches the quorum (the message names each endpoint's answer)
     * @throws IllegalArgumentException when the quorum serves another chain than the pinned one
     */
    public void requireChain(long pinnedChainId, java.util.function.Consumer<String> warn) throws org.dstack4j.chain.rpc.RpcException {
        ChainSource.ChainId served = source.chainId();
        served.minority().forEach(m -> warn.accept("RPC endpoint outside the quorum: " + m));
        if (!served.id().equals(java.math.BigInteger.valueOf(pinnedChainId))) {
            throw new IllegalArgumentException("the RPC endpoints (quorum " + source.quorum() + " of " + source.endpoints().size() + ") serve chain "
                    + served.id() + " but the app-compose pins chain " + pinnedChainId);
        }
    }

    /** Where reads go. */
    public ChainSource source() {
        return source;
    }

    /** Whether reads go through the relay's tunnel to pinned endpoints (false: direct to the host-given --rpc). */
    public boolean throughRelay() {
        return tunnel.isPresent();
    }

    /** One line for the operator: the endpoints (redacted), the quorum and the path. */
    public String describe() {
        return (throughRelay() ? "reading the pinned RPC endpoints through the relay" : "reading --rpc directly (devnet only: the "
                + "app-compose pins no RPC endpoints, so the host chooses them)") + ": " + source.endpoints().stream().map(JsonRpcClient::endpoint).toList()
                + ", quorum " + source.quorum();
    }

    @Override
    public void close() {
        for (JsonRpcClient c : source.endpoints()) c.close();
        tunnel.ifPresent(RelayTunnel::close);
    }
}
