package org.dstack4j.agent.simulator;

/** A simulator input (measurement profile, app-compose or state directory) is unusable; the message says which and why. */
public final class ProfileException extends Exception {
    public ProfileException(String message) {
        super(message);
    }

    public ProfileException(String message, Throwable cause) {
        super(message, cause);
    }
}
