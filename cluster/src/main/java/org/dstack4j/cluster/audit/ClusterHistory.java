package org.dstack4j.cluster.audit;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.PolicyKind;

/**
 * Every event of one cluster contract from {@code fromBlock} up to a pinned view, read once, with the questions an
 * auditor asks of them: the policy at a block, pending policy proposals, a request's evidence and answer, removals.
 * Immutable.
 */
public final class ClusterHistory {
    private final List<ClusterContract.Emitted> events;
    private final long toBlock;

    private ClusterHistory(List<ClusterContract.Emitted> events, long toBlock) {
        this.events = List.copyOf(events);
        this.toBlock = toBlock;
    }

    /**
     * Reads the contract's events.
     *
     * @param fromBlock the first block to read (0, or the contract's deployment block on a long chain)
     */
    public static ClusterHistory read(ClusterContract contract, ChainReader view, long fromBlock) throws RpcException {
        Objects.requireNonNull(contract, "contract");
        return new ClusterHistory(contract.events(view, fromBlock), view.blockNumber());
    }

    /** For tests: a history of given events up to {@code toBlock}. */
    static ClusterHistory of(List<ClusterContract.Emitted> events, long toBlock) {
        return new ClusterHistory(events, toBlock);
    }

    /** The last block read. */
    public long toBlock() {
        return toBlock;
    }

    /** All events in chain order. */
    public List<ClusterContract.Emitted> events() {
        return events;
    }

    /** The policy after every policy event in blocks {@code <= block}. */
    public PolicySnapshot policyAt(long block) {
        List<PolicySnapshot.Change> changes = new ArrayList<>();
        for (ClusterContract.Emitted e : events) {
            if (e.blockNumber() > block) break;
            switch (e.event()) {
                case ClusterEvent.PolicyAdded a -> changes.add(new PolicySnapshot.Change(e.blockNumber(), a.kind(), hex(a.value()), true));
                case ClusterEvent.PolicyRemoved r -> changes.add(new PolicySnapshot.Change(e.blockNumber(), r.kind(), hex(r.value()), false));
                default -> { }
            }
        }
        return PolicySnapshot.replay(block, changes);
    }

    /** Whether any policy value was added or removed in blocks {@code (after, upTo]}. */
    public boolean policyChanged(long after, long upTo) {
        return events.stream().anyMatch(e -> e.blockNumber() > after && e.blockNumber() <= upTo
                && (e.event() instanceof ClusterEvent.PolicyAdded || e.event() instanceof ClusterEvent.PolicyRemoved));
    }

    /**
     * A proposed policy addition not yet applied or cancelled.
     *
     * @param eta unix seconds (chain time) from which {@code applyPolicy} accepts it
     */
    public record Proposal(PolicyKind kind, byte[] value, long eta) {}

    /** Proposals still pending at the end of the history, oldest first. */
    public List<Proposal> pendingProposals() {
        Map<String, Proposal> open = new LinkedHashMap<>();
        for (ClusterContract.Emitted e : events) {
            switch (e.event()) {
                case ClusterEvent.PolicyProposed p -> open.put(p.kind() + hex(p.value()), new Proposal(p.kind(), p.value(), p.eta()));
                case ClusterEvent.PolicyAdded a -> open.remove(a.kind() + hex(a.value()));
                case ClusterEvent.PolicyRemoved r -> open.remove(r.kind() + hex(r.value()));
                default -> { }
            }
        }
        return List.copyOf(open.values());
    }

    /** The {@code JoinRequested} event of request {@code id}. */
    public Optional<ClusterContract.Emitted> joinRequested(BigInteger id) {
        return first(e -> e instanceof ClusterEvent.JoinRequested j && j.id().equals(id));
    }

    /** The {@code Onboarded} or {@code Rejected} event of request {@code id}, if it was answered. */
    public Optional<ClusterContract.Emitted> answer(BigInteger id) {
        return first(e -> e instanceof ClusterEvent.Onboarded o && o.id().equals(id) || e instanceof ClusterEvent.Rejected r && r.id().equals(id));
    }

    /** The {@code GenesisSubmitted} event of genesis {@code id}. */
    public Optional<ClusterContract.Emitted> genesisSubmitted(BigInteger id) {
        return first(e -> e instanceof ClusterEvent.GenesisSubmitted g && g.id().equals(id));
    }

    /** The {@code Bootstrapped} event (there is at most one). */
    public Optional<ClusterContract.Emitted> bootstrapped() {
        return first(e -> e instanceof ClusterEvent.Bootstrapped);
    }

    /** Whether {@code node} was removed by a {@code MemberRemoved} in a block {@code <= block}. */
    public boolean removedBy(Address node, long block) {
        return events.stream().anyMatch(e -> e.blockNumber() <= block && e.event() instanceof ClusterEvent.MemberRemoved m && m.node().equals(node));
    }

    private Optional<ClusterContract.Emitted> first(java.util.function.Predicate<ClusterEvent> p) {
        return events.stream().filter(e -> p.test(e.event())).findFirst();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
