package org.dstack4j.attestation.dcap;

/** A verification step failed; the message becomes the failed {@link org.dstack4j.attestation.Check}'s detail. */
final class VerifyFailure extends Exception {
    VerifyFailure(String message) {
        super(message, null, false, false);
    }
}
