package org.dstack4j.vmm;

/** A failed VMM call; {@link #error()} says why, the message is its one line. */
public final class VmmException extends Exception {
    private final transient VmmError error;

    public VmmException(VmmError error) {
        super(error.describe());
        this.error = error;
    }

    public VmmError error() {
        return error;
    }
}
