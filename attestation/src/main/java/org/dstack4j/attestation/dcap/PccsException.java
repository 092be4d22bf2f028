package org.dstack4j.attestation.dcap;

/**
 * Collateral could not be fetched from a PCCS / Intel PCS: connection failure or timeout, a non-200
 * answer, a missing issuer-chain header, an oversized or malformed body. The message names the URL
 * (which holds no secret: FMSPC and CA type only) and the problem.
 */
public final class PccsException extends Exception {
    public PccsException(String message) {
        super(message);
    }

    public PccsException(String message, Throwable cause) {
        super(message, cause);
    }
}
