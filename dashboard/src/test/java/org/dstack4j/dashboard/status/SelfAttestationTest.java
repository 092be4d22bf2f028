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
        SelfAttestation s = new SelfAttestation(api, DcapVerifier.intel(), Optional.of(q -> {
            runs.incrementAndGet();
            Thread.sleep(1500);
            throw new java.io.IOException("slow PCCS");
        }), "Intel", Duration.ZERO, Clock.systemUTC());
        try {
            SelfAttestation.Verdict first = s.latest();
            assertThat(runs).hasValue(1);
            // one thread each (the common pool may have a single thread on a 2-core machine)
            var threads = java.util.concurrent.Executors.newFixedThreadPool(3);
            List<CompletableFuture<SelfAttestation.Verdict>> refreshes = List.of(CompletableFuture.supplyAsync(s::refresh, threads),
                    CompletableFuture.supplyAsync(s::refresh, threads), CompletableFuture.supplyAsync(s::refresh, threads));
            threads.shutdown();
            Thread.sleep(200);
            long t0 = System.nanoTime();
            assertThat(s.latest()).isSameAs(first); // served at once while the new run sleeps
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
            for (var f : refreshes) assertThat(f.get().at()).isAfter(first.at());
            assertThat(runs).hasValue(2);
        } finally {
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
