package org.dstack4j.dashboard.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SelfAttestationTest {
    static GuestApi api;

    @BeforeAll
    static void agent() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig("self-attestation", AppCompose.defaults(),
                MeasurementProfile.defaults(), Optional.empty()));
        api = new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("t", "r"));
    }

    static List<String> failed(SelfAttestation.Verdict v) {
        return v.checks().stream().filter(c -> !c.ok()).map(Check::name).toList();
    }

    @Test
    void withoutCollateralDcapIsAFailedLineAndTheEventChecksStillRun() {
        SelfAttestation s = new SelfAttestation(api, DcapVerifier.intel(), Optional.empty(), "Intel", Duration.ZERO, Clock.systemUTC());
        try {
            SelfAttestation.Verdict v = s.latest();
            assertThat(v.valid()).isFalse();
            assertThat(failed(v)).containsExactly("dcap");
            assertThat(v.checks().stream().map(Check::name)).contains("report-data", "rtmr0-replay", "rtmr3-replay",
                    "rtmr3-event-digests", "compose-hash");
        } finally {
            s.close();
        }
    }

    @Test
    void aCollateralSourceThatFailsIsNamed() {
        SelfAttestation s = new SelfAttestation(api, DcapVerifier.intel(), Optional.of(q -> {
            throw new java.io.IOException("PCCS answered 503");
        }), "Intel", Duration.ZERO, Clock.systemUTC());
        try {
            SelfAttestation.Verdict v = s.latest();
            assertThat(failed(v)).containsExactly("dcap-collateral");
            assertThat(v.checks().stream().filter(c -> !c.ok()).findFirst().orElseThrow().detail()).contains("PCCS answered 503");
        } finally {
            s.close();
        }
    }

    @Test
    void concurrentRefreshesShareOneRunAndReadersAreNotHeldUp() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        SelfAttestation s = new SelfAttestation(api, DcapVerifier.intel(), Optional.of(q -> {
            // the second run is held until every refresher is waiting on it, so none can come after it ended
            if (runs.incrementAndGet() > 1) release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            throw new java.io.IOException("slow PCCS");
        }), "Intel", Duration.ZERO, Clock.systemUTC());
        List<Thread> refreshers = new java.util.concurrent.CopyOnWriteArrayList<>();
        // one thread each (the common pool may have a single thread on a 2-core machine)
        var threads = java.util.concurrent.Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "refresher");
            refreshers.add(t);
            return t;
        });
        try {
            SelfAttestation.Verdict first = s.latest();
            assertThat(runs).hasValue(1);
            List<CompletableFuture<SelfAttestation.Verdict>> refreshes = List.of(CompletableFuture.supplyAsync(s::refresh, threads),
                    CompletableFuture.supplyAsync(s::refresh, threads), CompletableFuture.supplyAsync(s::refresh, threads));
            threads.shutdown();
            // converged: the second run has begun and all three refreshers wait (bounded) for a run's result
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(runs.get() == 2 && refreshers.size() == 3
                    && refreshers.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING))) {
                assertThat(System.nanoTime()).as("the refreshers did not all wait on the second run").isLessThan(deadline);
                Thread.sleep(10);
            }
            long t0 = System.nanoTime();
            assertThat(s.latest()).isSameAs(first); // served at once while the new run is held
            // a reader held up by the run would wait SelfAttestation.WAIT (20 s) for it
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(SelfAttestation.WAIT.dividedBy(2));
            release.countDown();
            for (var f : refreshes) assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS).at()).isAfter(first.at());
            assertThat(runs).hasValue(2);
        } finally {
            release.countDown();
            threads.shutdownNow();
            s.close();
        }
    }

    @Test
    void aRunThatThrowsIsKeptAsAFailedVerdictAndRateLimited() {
        // the run's first reading of the clock throws (a stand-in for any bug in a run); later readings work
        AtomicInteger runs = new AtomicInteger();
        Clock clock = new Clock() {
            @Override
            public Instant instant() {
                if (Thread.currentThread().getName().equals("dstack4j-dashboard-verify") && runs.incrementAndGet() == 1) {
                    throw new IllegalStateException("boom");
                }
                return Instant.now();
            }

            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        SelfAttestation s = new SelfAttestation(api, DcapVerifier.intel(), Optional.empty(), "Intel", Duration.ofMinutes(10), clock);
        try {
            SelfAttestation.Verdict first = s.refresh();
            assertThat(first.valid()).isFalse();
            assertThat(first.checks()).singleElement().satisfies(c -> assertThat(c.detail()).contains("IllegalStateException"));
            int after = runs.get();
            assertThat(s.refresh()).isSameAs(first);
            assertThat(s.latest()).isSameAs(first);
            assertThat(runs.get()).as("no new run within the interval").isEqualTo(after);
        } finally {
            s.close();
        }
    }
}
