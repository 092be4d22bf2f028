package org.dstack4j.near.rpc;

/** A failed NEAR RPC call; {@link #error()} says why, {@link #getMessage()} is its one line. */
public final class NearRpcException extends Exception {
    private final transient NearError error;

    public NearRpcException(NearError error) {
        super(error.describe());
        this.error = error;
    }

    public NearError error() {
        return error;
    }
}
