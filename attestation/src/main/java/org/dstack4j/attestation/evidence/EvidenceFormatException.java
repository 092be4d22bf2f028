package org.dstack4j.attestation.evidence;

/**
 * MPC attestation evidence could not be read: not JSON, a required field missing, or a field of the
 * wrong type, length or encoding. The message starts with the field path (e.g.
 * {@code tee_participant_info.Dstack.tcb_info.rtmr3}) and says what was expected; it never echoes
 * the offending value.
 */
public final class EvidenceFormatException extends Exception {
    private final String field;

    public EvidenceFormatException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public EvidenceFormatException(String field, String problem, Throwable cause) {
        super(field + ": " + problem, cause);
        this.field = field;
    }

    /** The dotted path of the field at fault ({@code "$"} for the whole document). */
    public String field() {
        return field;
    }
}
