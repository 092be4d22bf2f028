package org.dstack4j.attestation.dcap;

/**
 * DCAP collateral JSON (or a PCCS answer) is malformed: a field is missing, has the wrong JSON type,
 * or is neither hex, an array of byte values, DER nor PEM where bytes are expected. The message
 * names the field (as in the JSON, e.g. {@code tcb_info_signature}) and what was found.
 */
public final class CollateralFormatException extends Exception {
    private final String field;

    public CollateralFormatException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The JSON field at fault, e.g. {@code pck_crl}. */
    public String field() {
        return field;
    }
}
