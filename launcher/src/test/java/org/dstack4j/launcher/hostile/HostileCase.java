package org.dstack4j.launcher.hostile;

/**
 * One row of a hostile table: a name (the JUnit display name), how the workspace is made hostile,
 * and the exact outcome expected.
 */
record HostileCase(String name, Setup setup, Outcome outcome) {
    /** Makes the workspace hostile. */
    @FunctionalInterface
    interface Setup {
        void apply(Workspace w) throws Exception;
    }

    static HostileCase of(String name, Setup setup, Outcome outcome) {
        return new HostileCase(name, setup, outcome);
    }

    /** A user_config made of {@code lines} between the planted secret lines. */
    static HostileCase lines(String name, String lines, Outcome outcome) {
        return new HostileCase(name, w -> w.userConfig(Workspace.withSecrets(lines)), outcome);
    }

    @Override
    public String toString() {
        return name;
    }
}
