package org.dstack4j.launcher;

import java.time.Duration;

/** Receives a launch's progress: what each step does and how long it took. Lines never carry secrets. */
public interface LaunchListener {
    /** A progress line within {@code step}. */
    void progress(LaunchStep step, String line);

    /** {@code step} ended successfully after {@code took}; {@code summary} says what it established. */
    void stepDone(LaunchStep step, Duration took, String summary);

    /** Discards everything. */
    LaunchListener SILENT = new LaunchListener() {
        @Override
        public void progress(LaunchStep step, String line) {}

        @Override
        public void stepDone(LaunchStep step, Duration took, String summary) {}
    };
}
