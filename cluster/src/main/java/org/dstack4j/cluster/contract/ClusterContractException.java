package org.dstack4j.cluster.contract;

import java.util.Optional;

/**
 * A contract call or transaction that the contract refused ({@link #revert()} names the custom error),
 * or that failed on the way (RPC failure, not mined in time: {@link #getCause()}).
 */
public final class ClusterContractException extends Exception {
    private final transient ContractRevert revert;

    public ClusterContractException(String message, ContractRevert revert, Throwable cause) {
        super(message, cause);
        this.revert = revert;
    }

    /** The contract's custom error, when it reverted with one. */
    public Optional<ContractRevert> revert() {
        return Optional.ofNullable(revert);
    }

    /** The custom error's name, or empty. */
    public Optional<String> errorName() {
        return revert().map(ContractRevert::name);
    }
}
