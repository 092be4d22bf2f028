package org.dstack4j.cluster.audit;

import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.join.ClusterPolicy;

/**
 * The contract's allowed values at one block, rebuilt from its {@code PolicyAdded}/{@code PolicyRemoved} events (so an
 * auditor needs no archive node to know the policy of an old block). Immutable; never unavailable.
 *
 * @param block the block the snapshot is at (its events included)
 */
public record PolicySnapshot(long block, Map<PolicyKind, Set<String>> allowed) implements ClusterPolicy {
    public PolicySnapshot {
        Map<PolicyKind, Set<String>> copy = new EnumMap<>(PolicyKind.class);
        allowed.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        allowed = Map.copyOf(copy);
    }

    @Override
    public boolean isAllowed(PolicyKind kind, byte[] value) {
        return allowed.getOrDefault(kind, Set.of()).contains(HexFormat.of().formatHex(value));
    }

    /** The allowed values of {@code kind} as lower-case hex without 0x (order not significant). */
    public Set<String> values(PolicyKind kind) {
        return allowed.getOrDefault(kind, Set.of());
    }

    /** Builds a snapshot from (kind, value, added?) changes in chain order. */
    static PolicySnapshot replay(long block, List<Change> changes) {
        Map<PolicyKind, Set<String>> m = new EnumMap<>(PolicyKind.class);
        for (Change c : changes) {
            Set<String> s = m.computeIfAbsent(c.kind(), k -> new LinkedHashSet<>());
            if (c.added()) s.add(c.valueHex()); else s.remove(c.valueHex());
        }
        return new PolicySnapshot(block, m);
    }

    /** One policy event. */
    record Change(long block, PolicyKind kind, String valueHex, boolean added) {}
}
