package org.dstack4j.cli;

import org.dstack4j.measure.MeasureInputException;
import picocli.CommandLine.Model.CommandSpec;

/** How the operator-measurement commands report bad input: one line on stderr, exit 2. */
final class Cli {
    private Cli() {}

    /** A command body that may refuse its input. */
    @FunctionalInterface
    interface Body {
        int run() throws MeasureInputException;
    }

    static int guard(CommandSpec spec, String command, Body body) {
        try {
            return body.run();
        } catch (MeasureInputException e) {
            spec.commandLine().getErr().println("dstack4j " + command + ": " + e.getMessage());
            return 2;
        }
    }
}
