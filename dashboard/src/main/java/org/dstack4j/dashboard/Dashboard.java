package org.dstack4j.dashboard;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.dashboard.logs.DockerApi;
import org.dstack4j.dashboard.status.SelfAttestation;
import org.dstack4j.dashboard.status.Status;
import org.eclipse.jetty.server.Handler;

/**
 * The CVM's web page on the agent's external (Worker) listener: {@link #pages()} is the route map for
 * {@code WorkerServer.start}. What it shows and serves is decided by the app-compose's {@code public_*} flags
 * ({@link Flags}); see docs/dashboard.md.
 */
public final class Dashboard implements AutoCloseable {

    /**
     * @param dockerSocket   the engine's unix socket for the container list and logs; empty = no containers shown
     * @param launchReport   the launcher's report file on the shared volume; empty = no launch section
     * @param verifier       DCAP pinned to the root that should be trusted (Intel's in production)
     * @param collateral     where DCAP collateral comes from; empty = DCAP reported as not run
     * @param trust          one line naming the trusted root (e.g. "Intel SGX Root CA")
     * @param reverifyEvery  the least time between two self-verifications
     * @param followIdle     how long a followed log stream may stay silent
     */
    public record Options(Optional<Path> dockerSocket, Optional<Path> launchReport, DcapVerifier verifier,
                          Optional<SelfAttestation.CollateralSource> collateral, String trust, Duration reverifyEvery,
                          Duration followIdle) {}

    private final Optional<DockerApi> docker;
    private final SelfAttestation self;
    private final DashboardHandler handler;

    private Dashboard(Optional<DockerApi> docker, SelfAttestation self, DashboardHandler handler) {
        this.docker = docker;
        this.self = self;
        this.handler = handler;
    }

    /**
     * @param api        the agent's API (its Info and GetQuote are read, nothing else)
     * @param appCompose the app-compose text measured at boot (its {@code public_*} flags)
     */
    public static Dashboard create(GuestApi api, String appCompose, Options o) {
        Clock clock = Clock.systemUTC();
        Flags flags = Flags.of(appCompose);
        Optional<DockerApi> docker = o.dockerSocket().map(s -> new DockerApi(s, Duration.ofSeconds(10), o.followIdle()));
        SelfAttestation self = new SelfAttestation(api, o.verifier(), o.collateral(), o.trust(), o.reverifyEvery(), clock);
        Status status = new Status(api, flags, docker, o.launchReport(), self);
        return new Dashboard(docker, self, new DashboardHandler(flags, status, docker, o.followIdle(), clock));
    }

    /** Routes for {@code WorkerServer.start}: everything outside {@code /prpc/*}. */
    public Map<String, Handler> pages() {
        return Map.of("/", handler);
    }

    @Override
    public void close() {
        docker.ifPresent(DockerApi::close);
        self.close();
    }
}
