package org.dstack4j.cluster.relay;

import org.dstack4j.attestation.dcap.Collateral;

/**
 * What a host relay does for its node. {@link HostRelay} is the honest one; tests wrap it to play a hostile host.
 */
public interface Relay {
    /**
     * Sends the call as a transaction from the operator's gas key and waits for its receipt.
     *
     * @return the transaction hash and block
     * @throws RelayException when the relay cannot or will not send it, or the contract refuses it
     */
    Submitted submit(ContractCall call) throws RelayException;

    /**
     * DCAP collateral for a quote (its FMSPC and CA select it).
     *
     * @throws RelayException when none can be had now
     */
    Collateral collateral(byte[] quote) throws RelayException;

    /** A mined transaction: its hash (32 bytes) and block number. */
    record Submitted(byte[] transactionHash, long blockNumber) {}
}
