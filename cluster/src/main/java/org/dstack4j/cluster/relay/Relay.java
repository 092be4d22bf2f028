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

    /**
     * The node asks its host to reboot the CVM (KubernEthes: a newer image is approved and the launcher picks images
     * only at boot). The host decides whether and when; the node learns nothing from the answer.
     *
     * @param reason one line of public values (e.g. the newest approved digest)
     * @throws RelayException when the relay takes no reboot requests (the default)
     */
    default void requestReboot(String reason) throws RelayException {
        throw new RelayException("this relay takes no reboot requests", null);
    }

    /** A mined transaction: its hash (32 bytes) and block number. */
    record Submitted(byte[] transactionHash, long blockNumber) {}
}
