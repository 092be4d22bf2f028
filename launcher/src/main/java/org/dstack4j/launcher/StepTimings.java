package org.dstack4j.launcher;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** Durations of the steps run so far, in step order. Mutable while a launch runs; {@link #snapshot()} is not. */
public final class StepTimings {
    private final EnumMap<LaunchStep, Duration> took = new EnumMap<>(LaunchStep.class);

    /** Records (or replaces) the duration of {@code step}. */
    public void record(LaunchStep step, Duration duration) {
        took.put(step, duration);
    }

    /** Sum of all recorded durations. */
    public Duration total() {
        return took.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** An immutable copy, in step order. */
    public Map<LaunchStep, Duration> snapshot() {
        return Collections.unmodifiableMap(new EnumMap<>(took));
    }
}
