package org.dstack4j.launcher.registry;

import java.time.Duration;

/** Waits between retries; injectable so tests can record delays instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
    /** The real clock: {@link Thread#sleep(Duration)}. */
    Sleeper SYSTEM = Thread::sleep;

    /** Blocks for {@code delay} (never called with a zero delay). */
    void sleep(Duration delay) throws InterruptedException;
}
