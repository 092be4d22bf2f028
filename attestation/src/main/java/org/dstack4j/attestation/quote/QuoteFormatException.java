package org.dstack4j.attestation.quote;

/**
 * The bytes are not a TDX quote this parser accepts: truncated, an unsupported version, TEE type or
 * attestation key type, or inconsistent lengths. The message names the field and its byte offset.
 */
public final class QuoteFormatException extends Exception {
    private final int offset;

    public QuoteFormatException(String message, int offset) {
        super(message + (offset >= 0 ? " (at byte " + offset + ")" : ""));
        this.offset = offset;
    }

    /** Byte offset in the quote where the problem was found, or -1 if not tied to one. */
    public int offset() {
        return offset;
    }
}
