package org.dstack4j.agent.api;

/** A TEE backend could not do what was asked. */
public abstract sealed class TeeException extends Exception {
    private TeeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The request was refused (maps to HTTP 400); the state is unchanged. */
    public static final class Rejected extends TeeException {
        public Rejected(String message) {
            super(message, null);
        }
    }

    /** The backend failed (maps to HTTP 500); the message names the step that failed. */
    public static final class Failed extends TeeException {
        public Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
