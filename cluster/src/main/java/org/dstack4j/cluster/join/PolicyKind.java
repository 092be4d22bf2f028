package org.dstack4j.cluster.join;

/** The contract's policy kinds ({@code uint8}), docs/cluster-protocol.md "Policy". */
public enum PolicyKind {
    MEASUREMENT(1), COMPOSE_HASH(2), LAUNCHER_COMPOSE_HASH(3), TCB_STATUS(4), DCAP_ROOT(5), IMAGE(6);

    private final int code;

    PolicyKind(int code) {
        this.code = code;
    }

    /** The contract's number for the kind. */
    public int code() {
        return code;
    }
}
