package org.dstack4j.cli;

import java.io.PrintWriter;
import java.time.Duration;
import org.dstack4j.launcher.LaunchListener;
import org.dstack4j.launcher.LaunchStep;

/** Prints launch progress as {@code [step] line} and {@code [step] ok in N ms: summary} on stderr. */
final class ProgressPrinter implements LaunchListener {
    private final PrintWriter err;

    ProgressPrinter(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void progress(LaunchStep step, String line) {
        err.println("[" + step.label() + "] " + line);
        err.flush();
    }

    @Override
    public synchronized void stepDone(LaunchStep step, Duration took, String summary) {
        err.println("[" + step.label() + "] ok in " + took.toMillis() + " ms: " + summary);
        err.flush();
    }
}
