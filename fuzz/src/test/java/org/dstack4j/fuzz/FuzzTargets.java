package org.dstack4j.fuzz;

/** Settings shared by every fuzz target. */
final class FuzzTargets {
    /**
     * Default fuzzing time per target when run with {@code JAZZER_FUZZ=1}; {@code scripts/fuzz}
     * overrides it with {@code FUZZ_SECONDS}. Ignored in regression mode, which only replays the
     * committed seeds.
     */
    static final String MAX_DURATION = "60s";

    private FuzzTargets() {}
}
