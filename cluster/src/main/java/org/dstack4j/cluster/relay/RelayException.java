package org.dstack4j.cluster.relay;

/** The relay refused, failed or timed out; the message is the relay's, untrusted but safe to log. */
public final class RelayException extends Exception {
    public RelayException(String message, Throwable cause) {
        super(message, cause);
    }
}
