package org.dstack4j.cluster.daemon;

import java.time.Duration;

/**
 * The node daemon's timing.
 *
 * @param confirmations  blocks below the head at which the node reads (0 on an automining devnet)
 * @param pollInterval   how often the chain is read
 * @param fallbackDelay  the k-th responder waits k × this before answering a still-pending request
 * @param joinTimeout    how long a newcomer (or a genesis node awaiting bootstrap) waits before giving up
 */
public record DaemonConfig(int confirmations, Duration pollInterval, Duration fallbackDelay, Duration joinTimeout) {
    public DaemonConfig {
        if (confirmations < 0 || pollInterval.isNegative() || pollInterval.isZero() || fallbackDelay.isNegative()
                || joinTimeout.isNegative() || joinTimeout.isZero()) {
            throw new IllegalArgumentException("confirmations >= 0, pollInterval and joinTimeout > 0, fallbackDelay >= 0");
        }
    }

    /** Defaults: 2 confirmations, 1 s polls, 20 s fallback, 10 min to join. */
    public static DaemonConfig defaults() {
        return new DaemonConfig(2, Duration.ofSeconds(1), Duration.ofSeconds(20), Duration.ofMinutes(10));
    }
}
