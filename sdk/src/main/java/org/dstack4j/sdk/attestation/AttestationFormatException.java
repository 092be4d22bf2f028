package org.dstack4j.sdk.attestation;

/** Bytes that are not a versioned attestation of a form this decoder reads; the message names what is wrong. */
public final class AttestationFormatException extends Exception {
    public AttestationFormatException(String message) {
        super(message);
    }
}
