package org.dstack4j.cluster.join;

/** A join request's state in the contract ({@code 0 None, 1 Pending, 2 Onboarded, 3 Rejected}). */
public enum RequestState {
    NONE, PENDING, ONBOARDED, REJECTED;

    /** The contract's number to the state. */
    public static RequestState ofNumber(int n) {
        if (n < 0 || n >= values().length) throw new IllegalArgumentException("request state is 0..3, got " + n);
        return values()[n];
    }
}
