package org.dstack4j.cluster.evm;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.chain.rpc.Block;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.ClusterReads;
import org.dstack4j.cluster.contract.JoinRequest;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.join.ClusterPolicy;
import org.dstack4j.cluster.join.RequestView;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * The cluster contract as a node reads it at one pinned {@link ChainReader} (the head minus the node's confirmation
 * depth; one endpoint, or a quorum of endpoints that must agree): the request view for the join checks, the evidence
 * and onboard answers from events, the policy, the cluster keys. Every read is at the pinned block, so one decision
 * sees one state.
 */
public final class EvmClusterView {
    private final ClusterContract contract;
    private final ChainReader view;
    private final ClusterReads reads;

    public EvmClusterView(ClusterContract contract, ChainReader view) {
        this.contract = Objects.requireNonNull(contract, "contract");
        this.view = Objects.requireNonNull(view, "view");
        this.reads = contract.reads(view);
    }

    /** The pinned block number. */
    public long confirmedBlock() {
        return view.blockNumber();
    }

    /**
     * The request {@code id} with the block facts the checks need.
     *
     * @throws ClusterContractException when a read fails or the request block is not visible at this view
     */
    public RequestView request(BigInteger id) throws ClusterContractException {
        JoinRequest r = reads.request(id);
        Instant time = Instant.EPOCH;
        if (r.state() != RequestState.NONE) {
            try {
                Block b = view.blockAt(r.requestBlock());
                time = Instant.ofEpochSecond(b.timestamp());
            } catch (RpcException | IllegalArgumentException e) {
                throw new ClusterContractException("reading request block " + r.requestBlock() + " failed: " + e.getMessage(), null, e);
            }
        }
        return new StoredRequest(r, r.state(), time, reads.isRemoved(r.node()), view.blockNumber(), reads.requestTtl());
    }

    /** The evidence bytes of request {@code id}, from its {@code JoinRequested} event at or after {@code fromBlock}. */
    public Optional<byte[]> joinEvidence(BigInteger id, long fromBlock) throws RpcException {
        return contract.events(view, fromBlock, "JoinRequested").stream().map(ClusterContract.Emitted::event)
                .filter(e -> e instanceof ClusterEvent.JoinRequested j && j.id().equals(id))
                .map(e -> ((ClusterEvent.JoinRequested) e).evidence()).findFirst();
    }

    /** The {@code sealedSecret} of request {@code id}'s {@code Onboarded} event, once it is at or below the pinned block. */
    public Optional<byte[]> onboarded(BigInteger id, long fromBlock) throws RpcException {
        return contract.events(view, fromBlock, "Onboarded").stream().map(ClusterContract.Emitted::event)
                .filter(e -> e instanceof ClusterEvent.Onboarded o && o.id().equals(id))
                .map(e -> ((ClusterEvent.Onboarded) e).sealedSecret()).findFirst();
    }

    /** The contract's {@code clusterSigner} and {@code clusterEncKey}. */
    public ClusterPublicKeys clusterKeys() throws ClusterContractException {
        return new ClusterPublicKeys(reads.clusterSigner(), reads.clusterEncKey());
    }

    /** The contract's epoch. */
    public long epoch() throws ClusterContractException {
        return reads.epoch();
    }

    /** The contract's {@code isAllowed} at this view; a failed read makes the member decide nothing. */
    public ClusterPolicy policy() {
        return (PolicyKind kind, byte[] value) -> {
            try {
                return reads.isAllowed(kind, value);
            } catch (ClusterContractException e) {
                throw new ClusterPolicy.PolicyUnavailableException("isAllowed(" + kind + ") failed: " + e.getMessage(), e);
            }
        };
    }
}
