package org.dstack4j.launcher;

/** The registry did not prove that it serves the selected image (step 4a). See {@link LaunchException}. */
public final class RegistryException extends LaunchException {
    public RegistryException(LaunchStep step, String input, String problem, String fix) {
        super(step, input, problem, fix, null);
    }

    public RegistryException(LaunchStep step, String input, String problem, String fix, Throwable cause) {
        super(step, input, problem, fix, cause);
    }
}
