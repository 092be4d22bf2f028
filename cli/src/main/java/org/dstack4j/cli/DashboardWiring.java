package org.dstack4j.cli;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.api.TeeBackend;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.attestation.dcap.PccsException;
import org.dstack4j.dashboard.Dashboard;
import org.dstack4j.dashboard.status.SelfAttestation;

/**
 * The CVM's page for {@code agent --worker-listen}: with {@code --simulator} the self-verification trusts the
 * simulator's TEST root and uses its test collateral (and says so on the page); with {@code --tdx} it trusts
 * Intel's root and asks {@code --dashboard-pccs-url} for collateral (without one, DCAP is shown as not run).
 */
final class DashboardWiring {
    /** The least time between two self-verifications asked for from the page. */
    static final Duration REVERIFY_EVERY = Duration.ofSeconds(10);
    /** How long a followed log stream may stay silent (dstack's agent ends it after 600 s too). */
    static final Duration FOLLOW_IDLE = Duration.ofMinutes(10);

    private DashboardWiring() {}

    static Dashboard create(GuestApi api, TeeBackend tee, Path dockerSocket, Path launchReport, URI pccsUrl)
            throws java.io.IOException {
        DcapVerifier verifier;
        Optional<SelfAttestation.CollateralSource> collateral;
        String trust;
        if (tee instanceof SimulatedTdx sim) {
            verifier = DcapVerifier.withTrustedRoot(pem(sim.testRootPem()));
            Collateral c;
            try {
                c = CollateralJson.parse(sim.collateral().toJson().getBytes(StandardCharsets.UTF_8));
            } catch (CollateralFormatException e) {
                throw new java.io.IOException("the simulator's test collateral does not parse: " + e.getMessage(), e);
            }
            collateral = Optional.of(quote -> c);
            trust = "TEST-ONLY root of the simulator's PKI: a production verifier rejects these quotes";
        } else {
            verifier = DcapVerifier.intel();
            collateral = pccsUrl == null ? Optional.empty() : Optional.of(pccs(PccsClient.of(pccsUrl)));
            trust = "Intel SGX Root CA" + (pccsUrl == null ? "" : "; collateral from " + PccsException.origin(pccsUrl.toString()));
        }
        return Dashboard.create(api, tee.platform().appCompose(), new Dashboard.Options(Optional.ofNullable(dockerSocket),
                Optional.ofNullable(launchReport), verifier, collateral, trust, REVERIFY_EVERY, FOLLOW_IDLE));
    }

    /**
     * {@code client} as the page's collateral source: a failure names only the PCCS's {@code scheme://host:port}, as
     * the page is public and the operator's URL may carry user info or a token.
     */
    static SelfAttestation.CollateralSource pccs(PccsClient client) {
        return quote -> {
            try {
                return client.fetch(quote);
            } catch (PccsException e) {
                throw new PccsException(e.atOrigin());
            }
        };
    }

    private static X509Certificate pem(String pem) throws java.io.IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new java.io.IOException("the simulator's test root does not parse: " + e.getMessage(), e);
        }
    }
}
