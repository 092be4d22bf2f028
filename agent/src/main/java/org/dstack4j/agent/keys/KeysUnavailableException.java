package org.dstack4j.agent.keys;

/** A {@link KeySource} cannot give keys now; the message says why and what to do (never a key). */
public final class KeysUnavailableException extends Exception {
    public KeysUnavailableException(String message) {
        super(message);
    }

    public KeysUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
