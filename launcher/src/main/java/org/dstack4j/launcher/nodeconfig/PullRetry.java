package org.dstack4j.launcher.nodeconfig;

import java.time.Duration;

/**
 * Retries of the engine pull in TOML mode ({@code [launcher_config]} {@code pull_max_retries},
 * {@code pull_retry_interval_secs}, {@code pull_max_delay_secs}; production defaults 5, 2 s, 60 s):
 * after a failed pull, wait {@code interval × 1.5^(n-1)} (capped at {@code maxDelay}) before retry
 * {@code n}, at most {@code maxRetries} retries, so {@code maxRetries + 1} pulls in all.
 *
 * <p>Bounds of ours beyond production's: only transient failures are retried (a timeout, an unreachable
 * engine or registry, a 5xx; not a missing manifest, refused credentials or a digest mismatch, see
 * {@link org.dstack4j.launcher.EngineException#permanent()}), and no retry starts once the pulls and
 * waits so far plus the next wait would pass {@link #MAX_TOTAL} (so at most an hour, not
 * {@code MAX_RETRIES × MAX_SECS}).
 *
 * @param maxRetries retries after the first pull, 0..{@value #MAX_RETRIES}
 * @param interval   delay before the first retry
 * @param maxDelay   cap of one delay
 */
public record PullRetry(int maxRetries, Duration interval, Duration maxDelay) {
    public static final int DEFAULT_MAX_RETRIES = 5;
    public static final long DEFAULT_INTERVAL_SECS = 2;
    public static final long DEFAULT_MAX_DELAY_SECS = 60;
    /** Bounds that keep an untrusted user_config from making the launcher wait for hours. */
    public static final int MAX_RETRIES = 100;
    public static final long MAX_SECS = 3600;
    /** Most time spent pulling and waiting before a retry may start. */
    public static final Duration MAX_TOTAL = Duration.ofHours(1);

    public PullRetry {
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) throw new IllegalArgumentException("maxRetries out of range");
        if (interval.isNegative() || maxDelay.isNegative()) throw new IllegalArgumentException("negative delay");
    }

    /** The production defaults: 5 retries, 2 s, 60 s. */
    public static PullRetry defaults() {
        return new PullRetry(DEFAULT_MAX_RETRIES, Duration.ofSeconds(DEFAULT_INTERVAL_SECS), Duration.ofSeconds(DEFAULT_MAX_DELAY_SECS));
    }

    /** The delay before retry {@code retry} (1-based). */
    public Duration delayBefore(int retry) {
        Duration first = interval.compareTo(maxDelay) > 0 ? maxDelay : interval;
        double millis = first.toMillis() * Math.pow(1.5, Math.max(0, retry - 1));
        return millis >= maxDelay.toMillis() ? maxDelay : Duration.ofMillis((long) millis);
    }
}
