package org.dstack4j.cluster.testing;

import org.dstack4j.cluster.contract.PolicyKind;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.dstack4j.cluster.join.ClusterPolicy;

/**
 * An in-memory policy: a stand-in for the contract's {@code isAllowed} in unit tests of the checks (the contract
 * itself is tested against anvil in the chain module). {@link #down()} makes reads fail as an unreachable RPC would.
 */
public final class MapPolicy implements ClusterPolicy {
    private final Set<String> allowed = new HashSet<>();
    private boolean down;

    public MapPolicy allow(PolicyKind kind, byte[] value) {
        allowed.add(kind + ":" + HexFormat.of().formatHex(value));
        return this;
    }

    public MapPolicy remove(PolicyKind kind, byte[] value) {
        allowed.remove(kind + ":" + HexFormat.of().formatHex(value));
        return this;
    }

    public MapPolicy down() {
        down = true;
        return this;
    }

    public MapPolicy copy() {
        MapPolicy p = new MapPolicy();
        p.allowed.addAll(allowed);
        p.down = down;
        return p;
    }

    @Override
    public boolean isAllowed(PolicyKind kind, byte[] value) throws PolicyUnavailableException {
        if (down) throw new PolicyUnavailableException("rpc unreachable", null);
        if (value.length != 32) throw new IllegalArgumentException("policy values are 32 bytes");
        return allowed.contains(kind + ":" + HexFormat.of().formatHex(value));
    }
}
