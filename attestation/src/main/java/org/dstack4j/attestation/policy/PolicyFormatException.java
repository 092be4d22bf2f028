package org.dstack4j.attestation.policy;

/**
 * A policy input (hash list, measurement set file) is malformed. The message names the source (a
 * file path or resource) and the line, index or field at fault, and says what was expected.
 */
public final class PolicyFormatException extends Exception {
    public PolicyFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    public PolicyFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
