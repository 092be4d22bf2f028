package org.dstack4j.cluster.relay;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The host's side of a node's reboot request (KubernEthes): forwards it to whatever restarts the CVM (the dstack VMM),
 * at most one restart per {@code minInterval} and one at a time, in the background (a restart outlives the relay
 * call: the guest takes time to power off). Refused requests throw, so the node's watcher retries with its back-off.
 *
 * <p>The host is untrusted and this class is a courtesy, not a guarantee: a host may never restart the CVM. What it
 * cannot do is make the launcher run an image the contract does not approve: the launcher reads the approved list
 * the CVM wrote and measures the image it starts at the next boot, and a revoked image is stopped by the CVM itself.
 */
public final class RebootForwarder implements AutoCloseable {
    /** What restarts the CVM; returns one line saying what it did. */
    @FunctionalInterface
    public interface Target {
        String restart() throws Exception;
    }

    private final Target target;
    private final String name;
    private final Duration minInterval;
    private final LongSupplier nanoClock;
    private final Consumer<String> log;
    private final ExecutorService worker;
    private long lastForward;
    private boolean forwarded;
    private boolean inProgress;

    /**
     * @param name        what the target is, for the log (e.g. {@code VMM http://127.0.0.1:12000 VM 1234…})
     * @param minInterval at least this long between two forwarded restarts (counted from the earlier request)
     * @param nanoClock   {@link System#nanoTime} (tests pass their own)
     * @param log         receives one line per request and per outcome
     */
    public RebootForwarder(Target target, String name, Duration minInterval, LongSupplier nanoClock, Consumer<String> log) {
        if (minInterval.isNegative()) throw new IllegalArgumentException("the reboot interval must not be negative");
        this.target = Objects.requireNonNull(target, "target");
        this.name = Objects.requireNonNull(name, "name");
        this.minInterval = minInterval;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.log = Objects.requireNonNull(log, "log");
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dstack4j-reboot-forwarder");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a restart in the background, or refuses.
     *
     * @param reason the node's reason, already cut to printable ASCII ({@link #printable})
     * @throws RelayException when a restart is in progress or the last one is more recent than the interval
     */
    public void request(String reason) throws RelayException {
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (inProgress) {
                log.accept("reboot refused: a restart of " + name + " is in progress");
                throw new RelayException("the host is restarting this CVM already", null);
            }
            if (forwarded && now - lastForward < minInterval.toNanos()) {
                long wait = Duration.ofNanos(minInterval.toNanos() - (now - lastForward)).toSeconds() + 1;
                log.accept("reboot refused: rate limited (one per " + minInterval.toSeconds() + " s; next in " + wait + " s)");
                throw new RelayException("reboot rate limited by the host: ask again in " + wait + " s", null);
            }
            forwarded = true;
            lastForward = now;
            inProgress = true;
        }
        log.accept("reboot forwarded: restarting " + name + " (" + reason + ")");
        worker.execute(() -> {
            String outcome;
            try {
                outcome = "reboot done: " + target.restart();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = "reboot interrupted: " + name;
            } catch (Exception e) {
                outcome = "reboot failed: " + printable(String.valueOf(e.getMessage()));
            }
            synchronized (this) {
                inProgress = false; // before the outcome is logged: whoever reads the line may ask again at once
            }
            log.accept(outcome);
        });
    }

    /** The CVM's text cut to 200 code points of printable ASCII (it goes to the host's log). */
    public static String printable(String text) {
        return text.codePoints().limit(200).filter(c -> c >= 0x20 && c < 0x7f)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /**
     * Longest {@link #close()} waits for a restart in progress: an interrupted restart still starts the CVM it shut down
     * ({@code VmmClient.restart}), and the worker is a daemon thread the JVM would kill on exit.
     */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

    /** Stops the background worker: a restart in progress is interrupted and waited for, at most {@link #CLOSE_WAIT}. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                log.accept("reboot worker still busy after " + CLOSE_WAIT.toSeconds() + " s: " + name + " may be left stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
