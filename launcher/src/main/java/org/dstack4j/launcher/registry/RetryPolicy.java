package org.dstack4j.launcher.registry;

import java.time.Duration;

/**
 * Bounded retries for registry requests (docs/launcher.md step 4): up to {@code maxAttempts} tries,
 * no delay before the first, then {@code initialInterval} growing ×1.5 per retry, capped at 60 s.
 *
 * @param requestTimeout  timeout of one request, connect to last body byte
 * @param initialInterval delay before the second attempt
 * @param maxAttempts     attempts per request, ≥ 1
 */
public record RetryPolicy(Duration requestTimeout, Duration initialInterval, int maxAttempts) {
    /** Upper bound of one delay. */
    public static final Duration MAX_INTERVAL = Duration.ofSeconds(60);

    public RetryPolicy {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) throw new IllegalArgumentException("requestTimeout must be > 0");
        if (initialInterval.isNegative()) throw new IllegalArgumentException("initialInterval must be >= 0");
    }

    /** The delay before attempt {@code attempt} (1-based): zero for the first. */
    public Duration delayBefore(int attempt) {
        if (attempt <= 1) return Duration.ZERO;
        double millis = initialInterval.toMillis() * Math.pow(1.5, attempt - 2);
        return millis >= MAX_INTERVAL.toMillis() ? MAX_INTERVAL : Duration.ofMillis((long) millis);
    }
}
