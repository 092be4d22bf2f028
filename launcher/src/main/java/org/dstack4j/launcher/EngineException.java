package org.dstack4j.launcher;

/**
 * The container engine failed to pull, check or start the image. See {@link LaunchException}.
 * {@link #permanent()} marks a failure that a retry cannot mend (the registry does not have the
 * manifest, refuses the credentials, or served other bytes than the digest names).
 */
public final class EngineException extends LaunchException {
    private final boolean permanent;

    public EngineException(LaunchStep step, String input, String problem, String fix) {
        this(step, input, problem, fix, null, false);
    }

    public EngineException(LaunchStep step, String input, String problem, String fix, Throwable cause) {
        this(step, input, problem, fix, cause, false);
    }

    public EngineException(LaunchStep step, String input, String problem, String fix, Throwable cause, boolean permanent) {
        super(step, input, problem, fix, cause);
        this.permanent = permanent;
    }

    /** True when retrying the same call would fail the same way; false for timeouts, unreachable engines, 5xx. */
    public boolean permanent() {
        return permanent;
    }
}
