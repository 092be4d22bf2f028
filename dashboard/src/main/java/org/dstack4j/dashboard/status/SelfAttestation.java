package org.dstack4j.dashboard.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.api.GuestApiException;
import org.dstack4j.agent.api.Params;
import org.dstack4j.agent.api.Surface;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogFormatException;
import org.dstack4j.sdk.Hex;

/**
 * The verdict of our verifier on this CVM's own current quote: the agent quotes a fresh random nonce, and the
 * quote is checked as a remote verifier would — DCAP (signature chain, collateral, TCB status; needs a collateral
 * source), the nonce in its report data, RTMR0–3 replayed from the complete event log, every RTMR3 event's digest
 * recomputed, and the compose-hash event against the app-compose. Each check is one line of the verdict.
 *
 * <p>The last verdict is kept; {@link #latest} runs the first one, {@link #refresh} runs a new one at most once
 * per {@code minInterval} (a link on the page can ask for it, so it must stay cheap to ask). Runs happen one at a
 * time on their own thread; a page waits for one at most {@link #WAIT}.
 */
public final class SelfAttestation {

    /** Where DCAP collateral for a quote comes from (a PCCS, a file, the simulator's test collateral). */
    @FunctionalInterface
    public interface CollateralSource {
        Collateral fetch(byte[] quote) throws Exception;
    }

    /**
     * @param at        when the quote was taken
     * @param valid     every check passed
     * @param tcbStatus DCAP's TCB status, or {@code Unknown} when DCAP did not run
     * @param checks    each check, in order
     */
    public record Verdict(Instant at, boolean valid, String tcbStatus, List<Check> checks) {
        public Verdict {
            checks = List.copyOf(checks);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How long a page request waits for a running verification before it shows the last verdict. */
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final GuestApi api;
    private final DcapVerifier verifier;
    private final Optional<CollateralSource> collateral;
    private final String trust;
    private final Duration minInterval;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dstack4j-dashboard-verify");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    private volatile Verdict last;
    private CompletableFuture<Verdict> running; // guarded by lock

    /**
     * @param verifier    DCAP pinned to a root (Intel's, or a test root)
     * @param collateral  where collateral comes from; empty = DCAP is reported as not run (a failed check)
     * @param trust       one line naming the trusted root, shown as the first check
     * @param minInterval the least time between two runs
     */
    public SelfAttestation(GuestApi api, DcapVerifier verifier, Optional<CollateralSource> collateral, String trust,
                           Duration minInterval, Clock clock) {
        this.api = api;
        this.verifier = verifier;
        this.collateral = collateral;
        this.trust = trust;
        this.minInterval = minInterval;
        this.clock = clock;
    }

    /** The last verdict; the first call runs the first one (waiting at most {@link #WAIT}). Never blocks on a later run. */
    public Verdict latest() {
        Verdict v = last;
        return v != null ? v : await(start());
    }

    /**
     * A new verdict, unless the last one is younger than the minimum interval (then that one). One run at a time:
     * concurrent callers share it, and readers of {@link #latest} are never held up by it.
     */
    public Verdict refresh() {
        Verdict v = last;
        if (v != null && clock.instant().isBefore(v.at().plus(minInterval))) return v;
        return await(start());
    }

    /** Stops the verification thread. */
    public void close() {
        worker.shutdownNow();
    }

    private CompletableFuture<Verdict> start() {
        synchronized (lock) {
            if (running == null || running.isDone()) {
                running = CompletableFuture.supplyAsync(() -> {
                    Verdict r;
                    try {
                        r = run();
                    } catch (RuntimeException e) {
                        // kept like any verdict, so a run that throws is rate-limited too (the page's link can ask for runs)
                        r = failed(clock.instant(), e);
                    }
                    last = r;
                    return r;
                }, worker);
            }
            return running;
        }
    }

    private Verdict await(CompletableFuture<Verdict> run) {
        try {
            return run.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Verdict v = last;
            return v != null ? v : new Verdict(clock.instant(), false, DcapVerification.UNKNOWN,
                    List.of(Check.fail("pending", "the verification is still running after " + WAIT.toSeconds() + " s; reload the page")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict(clock.instant(), false, DcapVerification.UNKNOWN, List.of(Check.fail("pending", "interrupted")));
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return failed(clock.instant(), e);
        }
    }

    /** A verdict naming only the type of what went wrong (a message might quote anything). */
    private static Verdict failed(Instant at, Exception e) {
        return new Verdict(at, false, DcapVerification.UNKNOWN,
                List.of(Check.fail("verification", "the verification failed: " + e.getClass().getSimpleName())));
    }

    private Verdict run() {
        Instant now = clock.instant();
        List<Check> checks = new ArrayList<>();
        checks.add(Check.pass("trust-root", trust));
        byte[] nonce = new byte[64];
        RANDOM.nextBytes(nonce);
        byte[] quote;
        TdReport report;
        JsonNode tcb;
        try {
            ObjectNode q = JSON.createObjectNode().put("report_data", Hex.encode(nonce));
            quote = Hex.decode(api.call(Surface.GUEST_V0, "GetQuote", new Params(q)).path("quote").asText());
            tcb = JSON.readTree(api.call(Surface.GUEST_V0, "Info", new Params(JSON.createObjectNode())).path("tcb_info").asText());
        } catch (GuestApiException | java.io.IOException | IllegalArgumentException e) {
            checks.add(Check.fail("quote", "the agent gave no quote: " + e.getMessage()));
            return new Verdict(now, false, DcapVerification.UNKNOWN, checks);
        }
        try {
            report = TdxQuote.parse(quote).tdReport();
            checks.add(Check.pass("own-quote", "a TDX quote of " + quote.length + " bytes over a fresh nonce"));
        } catch (QuoteFormatException e) {
            checks.add(Check.fail("own-quote", e.getMessage()));
            return new Verdict(now, false, DcapVerification.UNKNOWN, checks);
        }
        checks.add(Arrays.equals(report.reportData(), nonce)
                ? Check.pass("report-data", "the quote carries the fresh 64-byte nonce asked for")
                : Check.fail("report-data", "the quote's report data is not the nonce asked for"));
        String status = dcap(quote, now, checks);
        events(report, tcb, checks);
        boolean valid = checks.stream().allMatch(Check::ok);
        return new Verdict(now, valid, status, checks);
    }

    private String dcap(byte[] quote, Instant now, List<Check> checks) {
        if (collateral.isEmpty()) {
            checks.add(Check.fail("dcap", "not run: no collateral source configured (agent --dashboard-pccs-url)"));
            return DcapVerification.UNKNOWN;
        }
        Collateral c;
        try {
            c = collateral.get().fetch(quote);
        } catch (Exception e) {
            checks.add(Check.fail("dcap-collateral", "cannot get collateral: " + e.getMessage()));
            return DcapVerification.UNKNOWN;
        }
        DcapVerification dcap = verifier.verify(quote, c, now, false);
        checks.addAll(dcap.checks());
        checks.add(dcap.statusAccepted(List.of("UpToDate")));
        return dcap.status();
    }

    private static void events(TdReport report, JsonNode tcb, List<Check> checks) {
        EventLog log;
        try {
            log = EventLog.parse(tcb.path("event_log").toString());
        } catch (EventLogFormatException e) {
            checks.add(Check.fail("event-log", e.getMessage()));
            return;
        }
        for (int i = 0; i < 4; i++) {
            String name = "rtmr" + i + "-replay";
            try {
                byte[] replayed = log.replay(i);
                checks.add(Arrays.equals(replayed, report.rtmr(i))
                        ? Check.pass(name, "the event log replays to the quote's RTMR" + i + " (" + log.forRegister(i).size() + " events)")
                        : Check.fail(name, "the event log replays to " + Hex.encode(replayed) + ", the quote has " + Hex.encode(report.rtmr(i))));
            } catch (EventLogFormatException e) {
                checks.add(Check.fail(name, e.getMessage()));
            }
        }
        int bad = log.digestMismatches().size();
        checks.add(bad == 0
                ? Check.pass("rtmr3-event-digests", "every RTMR3 event's logged digest equals the one recomputed from its name and payload")
                : Check.fail("rtmr3-event-digests", bad + " RTMR3 event(s) log a digest that differs from the recomputed one"));
        String compose = tcb.path("app_compose").asText("");
        String logged = log.first("compose-hash").map(e -> e.eventPayload().toLowerCase(java.util.Locale.ROOT)).orElse("");
        String computed = Hex.encode(sha256(compose.getBytes(StandardCharsets.UTF_8)));
        checks.add(computed.equals(logged)
                ? Check.pass("compose-hash", "the compose-hash event is SHA-256 of the app-compose: " + computed)
                : Check.fail("compose-hash", "the compose-hash event holds '" + logged + "', SHA-256 of the app-compose is " + computed));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
