package org.dstack4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop HTTP/1.1 load over a unix domain socket: N connections, each on its own thread,
 * send the same request back to back; after a warm-up, requests started inside the measured
 * window are counted and their latencies (send to last response byte, µs) go to an
 * HdrHistogram. Being closed-loop, latencies are service times under this concurrency (no
 * coordinated-omission correction); throughput is what the server sustains at N in flight.
 *
 * <pre>
 * UnixLoad --socket PATH --path /GetKey [--method POST] [--body JSON | --body @FILE]
 *          [--connections 4] [--warmup 3] [--duration 10] [--label NAME] [--baseline-rps X]
 *          [--max-requests N]
 * </pre>
 * With {@code --max-requests} the run ends early once that many requests were sent; throughput
 * is then counted over the measured time actually used.
 * Prints a human line and a machine line
 * {@code RESULT label=… rps=… p50_us=… p99_us=… requests=… errors=…[ ratio=…]}.
 * Exit code 0, or 1 when any request failed (non-2xx status or I/O error), 2 for bad arguments.
 */
public final class UnixLoad {
    private UnixLoad() {}

    /** Runs one load and prints its result. */
    public static void main(String[] args) throws Exception {
        LoadSpec spec;
        try {
            spec = parse(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("UnixLoad: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result r;
        try {
            r = run(spec);
        } catch (IllegalStateException e) {
            System.err.println("UnixLoad: " + e.getMessage());
            System.exit(2);
            return;
        }
        String ratio = spec.baselineRps().map(b -> String.format(Locale.ROOT, " ratio=%.3f", r.rps() / b)).orElse("");
        System.out.printf(Locale.ROOT, "%-10s %9.0f req/s  p50 %7d us  p99 %7d us  (%d requests, %d errors)%n",
                spec.label(), r.rps(), r.p50Micros(), r.p99Micros(), r.requests(), r.errors());
        System.out.printf(Locale.ROOT, "RESULT label=%s rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d%s%n",
                spec.label(), r.rps(), r.p50Micros(), r.p99Micros(), r.requests(), r.errors(), ratio);
        if (!r.firstError().isEmpty()) {
            System.err.println("UnixLoad: first error: " + r.firstError());
        }
        System.exit(r.errors() == 0 ? 0 : 1);
    }

    /**
     * @param rps        measured requests per second
     * @param p50Micros  median latency, µs
     * @param p99Micros  99th percentile latency, µs
     * @param requests   requests completed in the measured window
     * @param errors     failed requests (whole run)
     * @param firstError description of the first failure, or ""
     */
    record Result(double rps, long p50Micros, long p99Micros, long requests, long errors, String firstError) {}

    static Result run(LoadSpec spec) throws InterruptedException {
        ByteBuffer request = ByteBuffer.wrap(spec.request());
        long start = System.nanoTime();
        long measureFrom = start + spec.warmup().toNanos();
        long measureTo = measureFrom + spec.duration().toNanos();
        List<Histogram> histograms = new CopyOnWriteArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong tickets = new AtomicLong(spec.maxRequests());
        AtomicLong lastMeasuredEnd = new AtomicLong(measureFrom);
        List<String> firstError = new CopyOnWriteArrayList<>();
        List<HttpConnection> open = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < spec.connections(); c++) {
            Thread t = new Thread(() -> {
                Histogram h = new Histogram(60_000_000L, 3);
                histograms.add(h);
                ByteBuffer req = request.duplicate();
                HttpConnection conn = null;
                while (System.nanoTime() < measureTo && tickets.getAndDecrement() > 0) {
                    try {
                        if (conn == null) {
                            conn = new HttpConnection(spec.socket());
                            open.add(conn);
                        }
                        long t0 = System.nanoTime();
                        int status = conn.exchange(req);
                        long t1 = System.nanoTime();
                        if (status < 200 || status > 299) {
                            fail(errors, firstError, "HTTP " + status);
                        } else if (t0 >= measureFrom && t0 < measureTo) {
                            h.recordValue(Math.min((t1 - t0) / 1_000, 60_000_000L));
                            lastMeasuredEnd.accumulateAndGet(t1, Math::max);
                        }
                    } catch (IOException | RuntimeException e) {
                        fail(errors, firstError, e.toString());
                        closeQuietly(conn);
                        conn = null; // reconnect
                        if (errors.get() > 1000) {
                            return;
                        }
                    }
                }
                closeQuietly(conn);
            }, "unixload-" + c);
            threads.add(t);
            t.start();
        }
        // Watchdog: a server that stops answering must not hang the benchmark.
        long deadline = measureTo + Duration.ofSeconds(10).toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Duration.ofNanos(left));
            }
        }
        for (HttpConnection c : open) {
            closeQuietly(c);
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                fail(errors, firstError, "a connection did not finish 10 s after the end (server stuck)");
                t.join(1_000);
            }
        }
        Histogram all = new Histogram(60_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        boolean endedEarly = tickets.get() <= 0;
        double seconds = (endedEarly ? Math.min(lastMeasuredEnd.get(), measureTo) - measureFrom
                : spec.duration().toNanos()) / 1e9;
        if (seconds <= 0) {
            throw new IllegalStateException("--max-requests was used up during the warm-up; raise it or shorten --warmup");
        }
        return new Result(all.getTotalCount() / seconds, all.getValueAtPercentile(50), all.getValueAtPercentile(99),
                all.getTotalCount(), errors.get(), firstError.isEmpty() ? "" : firstError.getFirst());
    }

    private static void fail(AtomicLong errors, List<String> first, String what) {
        if (errors.incrementAndGet() == 1) {
            first.add(what);
        }
    }

    private static void closeQuietly(HttpConnection c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closing a dead connection
            }
        }
    }

    private static LoadSpec parse(String[] args) throws IOException {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]
                        + "; usage: --socket PATH --path /M [--method POST] [--body JSON|@FILE] [--connections N]"
                        + " [--warmup S] [--duration S] [--label NAME] [--baseline-rps X]");
            }
            o.put(args[i].substring(2), args[++i]);
        }
        for (String required : List.of("socket", "path")) {
            if (!o.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + " is required");
            }
        }
        String body = o.getOrDefault("body", "");
        if (body.startsWith("@")) {
            body = Files.readString(Path.of(body.substring(1)), StandardCharsets.UTF_8);
        }
        try {
            return new LoadSpec(Path.of(o.get("socket")), o.getOrDefault("method", "POST"), o.get("path"), body,
                    Integer.parseInt(o.getOrDefault("connections", "4")),
                    Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault("warmup", "3")) * 1000)),
                    Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault("duration", "10")) * 1000)),
                    o.getOrDefault("label", o.get("path")),
                    Optional.ofNullable(o.get("baseline-rps")).map(Double::parseDouble),
                    Long.parseLong(o.getOrDefault("max-requests", String.valueOf(Long.MAX_VALUE))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a numeric option is not a number: " + e.getMessage());
        }
    }
}
