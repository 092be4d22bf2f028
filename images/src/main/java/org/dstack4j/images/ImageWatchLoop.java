package org.dstack4j.images;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Drives an {@link ImageFollower} until stopped: one round every {@code poll}, and after a failed round (RPC down or
 * refusing, the engine unreachable, the file or the relay failing) an exponential back-off
 * {@code poll·2^(failures−1)} capped at {@code maxBackoff}. Each round's work is bounded by the clients' own deadlines
 * (RPC, engine, relay), so {@link #stop()} returns the loop within one round plus nothing else.
 *
 * <p>Log lines are {@code key=value} pairs (error messages quoted and escaped), one per event:
 * {@code event=start}, {@code event=round} when something changed or was done (the file rewritten, the newest or
 * running image changed, a container removed, a reboot asked), {@code event=error} with the retry delay,
 * {@code event=recovered}, and {@code event=stop}. Rounds that change nothing are not logged.
 */
public final class ImageWatchLoop {
    /** Back-off stops growing after this many doublings (well past any sane cap). */
    private static final int MAX_DOUBLINGS = 20;

    private final ImageFollower follower;
    private final Duration poll;
    private final Duration maxBackoff;
    private final Consumer<String> log;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);

    /**
     * @param poll       delay between rounds (and the first back-off step), positive
     * @param maxBackoff longest delay after failures, at least {@code poll}
     * @param log        receives one structured line per event
     */
    public ImageWatchLoop(ImageFollower follower, Duration poll, Duration maxBackoff, Consumer<String> log) {
        if (poll.isZero() || poll.isNegative()) throw new IllegalArgumentException("the poll interval must be positive");
        if (maxBackoff.compareTo(poll) < 0) throw new IllegalArgumentException("the longest back-off must be at least the poll interval");
        this.follower = Objects.requireNonNull(follower, "follower");
        this.poll = poll;
        this.maxBackoff = maxBackoff;
        this.log = Objects.requireNonNull(log, "log");
    }

    /** The delay after {@code failures} consecutive failed rounds (0: the poll interval). */
    public Duration delayAfter(int failures) {
        if (failures <= 0) return poll;
        long ms = poll.toMillis() << Math.min(failures - 1, MAX_DOUBLINGS);
        return ms <= 0 || ms > maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis(ms);
    }

    /** Runs rounds until {@link #stop()}; returns after the round in progress (never in the middle of an action). */
    public void run() {
        log.accept("event=start poll_ms=" + poll.toMillis() + " max_backoff_ms=" + maxBackoff.toMillis());
        int failures = 0;
        Optional<ImageFollower.Round> last = Optional.empty();
        try {
            while (stop.getCount() > 0) {
                try {
                    ImageFollower.Round r = follower.round();
                    if (failures > 0) log.accept("event=recovered after_failures=" + failures);
                    failures = 0;
                    if (last.isEmpty() || worthLogging(last.get(), r)) log.accept(roundLine(r));
                    last = Optional.of(r);
                } catch (Exception e) {
                    // every failure is retried: the chain, the engine and the relay are outside this CVM's control
                    failures++;
                    log.accept("event=error failures=" + failures + " retry_in_ms=" + delayAfter(failures).toMillis()
                            + " kind=" + e.getClass().getSimpleName() + " error=" + quote(String.valueOf(e.getMessage())));
                }
                if (stop.await(delayAfter(failures).toMillis(), TimeUnit.MILLISECONDS)) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            log.accept("event=stop");
            done.countDown();
        }
    }

    /** Asks the loop to stop after the round in progress. */
    public void stop() {
        stop.countDown();
    }

    /** Waits for {@link #run()} to return; false when it did not within {@code max}. */
    public boolean awaitStopped(Duration max) throws InterruptedException {
        return done.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean worthLogging(ImageFollower.Round before, ImageFollower.Round now) {
        return now.stopped() || now.rebootAsked() || written(now.step()) || !now.step().equals(before.step())
                || !now.running().equals(before.running());
    }

    private static boolean written(ImageWatcher.Step s) {
        return s instanceof ImageWatcher.Updated u && u.written();
    }

    /** One {@code event=round} line. */
    public static String roundLine(ImageFollower.Round r) {
        StringBuilder b = new StringBuilder("event=round block=").append(r.block());
        switch (r.step()) {
            case ImageWatcher.Updated u -> b.append(" newest=sha256:").append(u.newest()).append(" file=")
                    .append(u.written() ? "written" : "unchanged").append(" action=").append(u.action());
            case ImageWatcher.NoApprovedImages n -> b.append(" newest=none file=kept action=").append(n.action());
        }
        b.append(" running=").append(r.running().map(h -> "sha256:" + h).orElse("none"));
        if (r.stopped()) b.append(" container=removed");
        if (r.rebootAsked()) b.append(" reboot=asked");
        return b.toString();
    }

    /** A log value in quotes, {@code "} and {@code \} escaped, control characters as spaces, at most 300 code points. */
    public static String quote(String v) {
        StringBuilder b = new StringBuilder("\"");
        v.codePoints().limit(300).forEach(c -> {
            if (c == '"' || c == '\\') b.append('\\').appendCodePoint(c);
            else if (c < 0x20 || c == 0x7f) b.append(' ');
            else b.appendCodePoint(c);
        });
        return b.append('"').toString();
    }
}
