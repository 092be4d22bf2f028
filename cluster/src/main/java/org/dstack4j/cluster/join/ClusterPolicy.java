package org.dstack4j.cluster.join;

import org.dstack4j.cluster.contract.PolicyKind;


/**
 * The cluster's policy as the member reads it (EVM: the contract's {@code isAllowed(kind, value)} at the confirmed
 * block). Values are the 32-byte forms of docs/cluster-protocol.md "Policy" ({@link PolicyValues} builds them).
 */
public interface ClusterPolicy {
    /**
     * @param value 32 bytes
     * @throws PolicyUnavailableException when the policy cannot be read now (the member then decides nothing)
     */
    boolean isAllowed(PolicyKind kind, byte[] value) throws PolicyUnavailableException;

    /** The policy source cannot answer now (RPC down, timeout). */
    final class PolicyUnavailableException extends Exception {
        public PolicyUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
