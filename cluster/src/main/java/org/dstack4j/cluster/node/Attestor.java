package org.dstack4j.cluster.node;

import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.Evidence;

/**
 * The TEE seen from a node: its stable node address and evidence for given report data. {@link DstackAttestor}
 * implements it over the dstack guest agent; another TEE (SEV-SNP, a TPM) is one more implementation.
 */
public interface Attestor {
    /** The node's address, stable across reboots of one CVM and unknown to its host. */
    Address nodeAddress() throws AttestationException;

    /**
     * Evidence whose quote carries {@code reportData}.
     *
     * @param reportData 64 bytes
     */
    Evidence evidence(byte[] reportData) throws AttestationException;

    /** The TEE could not answer. */
    final class AttestationException extends Exception {
        public AttestationException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
