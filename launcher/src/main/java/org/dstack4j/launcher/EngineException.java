package org.dstack4j.launcher;

/** The container engine failed to pull, check or start the image. See {@link LaunchException}. */
public final class EngineException extends LaunchException {
    public EngineException(LaunchStep step, String input, String problem, String fix) {
        super(step, input, problem, fix, null);
    }

    public EngineException(LaunchStep step, String input, String problem, String fix, Throwable cause) {
        super(step, input, problem, fix, cause);
    }
}
