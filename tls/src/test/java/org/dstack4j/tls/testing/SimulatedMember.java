package org.dstack4j.tls.testing;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.server.AgentServer;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;

/**
 * A member's TEE for the TLS tests: the product's simulator agent ({@link SimulatedTdx} behind its
 * {@link AgentServer}) on a unix socket, and the cluster's {@link DstackAttestor} over the SDK client, as a node
 * uses it. All members share one TEST PKI seed (one platform, one test root).
 */
public final class SimulatedMember implements AutoCloseable {
    private static final String PKI_SEED = "dstack4j-tls-test-platform";
    private final SimulatedTdx tdx;
    private final AgentServer server;
    private final DstackClient client;
    private final DstackAttestor attestor;

    private SimulatedMember(SimulatedTdx tdx, AgentServer server, DstackClient client, DstackAttestor attestor) {
        this.tdx = tdx;
        this.server = server;
        this.client = client;
        this.attestor = attestor;
    }

    /** Boots a simulated CVM named {@code seed} with the built-in app-compose; its agent on {@code dir/<seed>.sock}. */
    public static SimulatedMember start(Path dir, String seed) throws Exception {
        AppCompose compose = AppCompose.defaults();
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig(seed, compose, MeasurementProfile.defaults(), Optional.empty(), Optional.of(PKI_SEED)));
        Path socket = dir.resolve(seed + ".sock");
        AgentServer server = AgentServer.start(AgentServer.Config.of(socket),
                new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("test", "test")));
        DstackClient client = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).build();
        return new SimulatedMember(tdx, server, client, new DstackAttestor(client, new String(compose.raw(), StandardCharsets.UTF_8)));
    }

    public DstackAttestor attestor() {
        return attestor;
    }

    /** The DCAP collateral of the shared test platform. */
    public Collateral collateral() throws Exception {
        return CollateralJson.parse(tdx.collateral().toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** The collateral as the JSON a {@code --collateral} file holds. */
    public String collateralJson() {
        return tdx.collateral().toJson();
    }

    /** The TEST root certificate quotes chain to. */
    public X509Certificate testRoot() throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(tdx.testRootPem().getBytes(StandardCharsets.US_ASCII)));
    }

    /** PEM of the TEST root. */
    public String testRootPem() {
        return tdx.testRootPem();
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
