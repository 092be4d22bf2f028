package org.dstack4j.cli;

/** Entry point of the {@code dstack4j} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(0);
    }
}
