package org.dstack4j.volume;

/**
 * The volume refused to read or write; {@link #problem()} says what kind, the message names the file (its path in
 * the volume) and what was found. Never carries key material or file contents.
 */
public final class VolumeException extends Exception {
    /** What went wrong. */
    public enum Problem {
        /** The stored bytes of a file fail authentication: changed on disk. */
        TAMPERED,
        /** A file holds another file's stored bytes. */
        SWAPPED,
        /** A file is an older version than the manifest records. */
        ROLLED_BACK,
        /** The manifest names a file that is not on disk. */
        MISSING,
        /** The manifest fails authentication, is malformed, or is older than the rollback guard allows. */
        MANIFEST,
        /** No such file in the volume. */
        NOT_FOUND,
        /** A file or the manifest is over its size cap. */
        TOO_LARGE,
        /** The disk failed. */
        IO,
        /** The rollback anchor outside the host (the cluster contract) cannot be read or raised: refused, fail closed. */
        ANCHOR
    }

    private final Problem problem;

    VolumeException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    VolumeException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
