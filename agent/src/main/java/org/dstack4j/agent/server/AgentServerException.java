package org.dstack4j.agent.server;

/** The agent server could not start (socket path in use, not writable, …); the message names the path and the fix. */
public final class AgentServerException extends Exception {
    public AgentServerException(String message) {
        super(message);
    }

    public AgentServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
