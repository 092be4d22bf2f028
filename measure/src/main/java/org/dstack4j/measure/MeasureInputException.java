package org.dstack4j.measure;

/**
 * An operator input cannot be used: a missing or oversized file, malformed JSON, a firmware without TDVF
 * metadata, an unknown QEMU version, a size that is not a size. The message is one line that names the input
 * and says what to fix; the CLI prints it and exits 2.
 */
public final class MeasureInputException extends Exception {
    public MeasureInputException(String message) {
        super(message);
    }

    public MeasureInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
