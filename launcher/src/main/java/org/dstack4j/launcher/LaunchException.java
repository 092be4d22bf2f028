package org.dstack4j.launcher;

import java.util.Objects;

/**
 * A launch failure: the launch stops, nothing is started and RTMR3 is not extended (fail closed).
 *
 * <p>Every failure names the {@link LaunchStep} it happened in, the input at fault (a file, a key, a
 * registry, a socket; never a secret value) and what the operator should do. {@link #oneLine()} is
 * the single stderr line the CLI prints.
 */
public abstract sealed class LaunchException extends Exception
        permits InputException, RegistryException, EngineException, AgentException {

    private final LaunchStep step;
    private final String input;
    private final String fix;

    protected LaunchException(LaunchStep step, String input, String problem, String fix, Throwable cause) {
        super(problem, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.input = Objects.requireNonNull(input, "input");
        this.fix = Objects.requireNonNull(fix, "fix");
    }

    /** The step that failed. */
    public LaunchStep step() {
        return step;
    }

    /** The input at fault, e.g. {@code MPC_HASH_OVERRIDE} or {@code /mnt/shared/image-digest.bin}. */
    public String input() {
        return input;
    }

    /** What to do about it, as an imperative sentence. */
    public String fix() {
        return fix;
    }

    /**
     * {@code "launch failed at <step>: <problem> [input: <input>] fix: <fix>"}, one line: line breaks
     * become spaces, and any other control, format or separator character still in a message (a last
     * guard; untrusted text is escaped where it enters one) is written as {@code \\uXXXX}, so the
     * line can neither be split nor carry terminal escapes.
     */
    public String oneLine() {
        String line = "launch failed at " + step.label() + ": " + getMessage() + " [input: " + input + "] fix: " + fix;
        StringBuilder out = new StringBuilder(line.length());
        for (char c : line.replaceAll("[\\r\\n]+", " ").toCharArray()) {
            int type = Character.getType(c);
            boolean unsafe = type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
            if (unsafe) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
