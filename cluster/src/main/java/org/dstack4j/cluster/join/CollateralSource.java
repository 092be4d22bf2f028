package org.dstack4j.cluster.join;

import org.dstack4j.attestation.dcap.Collateral;

/**
 * Where a member gets the DCAP collateral for a quote: in a CVM, through the host relay (which may refuse but cannot
 * forge: collateral is signed under the pinned root); in tests, the simulator's.
 */
public interface CollateralSource {
    /**
     * @param quote the raw quote (its FMSPC and CA select the collateral)
     * @throws CollateralUnavailableException when none can be had now
     */
    Collateral collateralFor(byte[] quote) throws CollateralUnavailableException;

    /** No collateral now (relay refused, PCCS down, timeout). */
    final class CollateralUnavailableException extends Exception {
        public CollateralUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
