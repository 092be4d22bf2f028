package org.dstack4j.launcher;

/** The dstack guest agent failed to quote or to extend RTMR3. See {@link LaunchException}. */
public final class AgentException extends LaunchException {
    public AgentException(LaunchStep step, String input, String problem, String fix) {
        super(step, input, problem, fix, null);
    }

    public AgentException(LaunchStep step, String input, String problem, String fix, Throwable cause) {
        super(step, input, problem, fix, cause);
    }
}
