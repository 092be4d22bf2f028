package org.dstack4j.cluster.contract;

/** A join request's state on chain; {@code ordinal()} is the contract's enum value. */
public enum RequestState {
    NONE, PENDING, ONBOARDED, REJECTED;

    static RequestState of(int v) {
        if (v < 0 || v >= values().length) {
            throw new IllegalArgumentException("unknown request state " + v);
        }
        return values()[v];
    }
}
