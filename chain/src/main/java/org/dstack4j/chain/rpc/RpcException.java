package org.dstack4j.chain.rpc;

/** A failed JSON-RPC call; {@link #error()} says which way it failed. */
public final class RpcException extends Exception {
    private final transient RpcError error;

    public RpcException(RpcError error) {
        super(error.describe());
        this.error = error;
    }

    public RpcException(RpcError error, Throwable cause) {
        super(error.describe(), cause);
        this.error = error;
    }

    /** The typed failure. */
    public RpcError error() {
        return error;
    }
}
