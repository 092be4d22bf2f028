package org.dstack4j.launcher;

/** Bad launcher input: environment, user_config, approved hashes or selection. See {@link LaunchException}. */
public final class InputException extends LaunchException {
    public InputException(LaunchStep step, String input, String problem, String fix) {
        super(step, input, problem, fix, null);
    }

    public InputException(LaunchStep step, String input, String problem, String fix, Throwable cause) {
        super(step, input, problem, fix, cause);
    }
}
