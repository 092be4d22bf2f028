package org.dstack4j.cluster.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
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
import org.dstack4j.chain.Address;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.GetQuoteResponse;

/**
 * A real simulator agent (the product's {@link SimulatedTdx} behind its {@link AgentServer}) on a unix socket, with a
 * cluster node's app-compose, and the SDK client a node uses to talk to it. All agents share one TEST PKI seed, so
 * their quotes chain to one test root, as CVMs on one platform.
 */
public final class SimulatedCvm implements AutoCloseable {
    /** The shared TEST PKI seed. */
    public static final String PKI_SEED = "dstack4j-cluster-test-platform";
    /** The node-address key path of docs/cluster-protocol.md "Identifiers". */
    public static final String NODE_KEY_PATH = "dstack4j/cluster/node/v1";
    /** The launcher compose every test node carries. */
    public static final String LAUNCHER_COMPOSE = "services:\n  app:\n    image: example/app@sha256:" + "ab".repeat(32) + "\n";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SimulatedTdx tdx;
    private final AgentServer server;
    private final DstackClient client;
    private final String compose;
    private final MeasurementProfile profile;
    private final java.util.List<AutoCloseable> extra = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SimulatedCvm(SimulatedTdx tdx, AgentServer server, DstackClient client, String compose, MeasurementProfile profile) {
        this.tdx = tdx;
        this.server = server;
        this.client = client;
        this.compose = compose;
        this.profile = profile;
    }

    /** An app-compose for a cluster node: pinned to {@code cluster} and {@code keys} (none = genesis). */
    public static String compose(String name, ClusterRef cluster, Optional<ClusterPublicKeys> keys, boolean allowTestRoot,
            String launcherCompose) {
        return compose(name, cluster, keys, allowTestRoot, launcherCompose, java.util.List.of());
    }

    /** As above, also pinning the RPC endpoints the node reads through its relay ({@code dstack4j_cluster.rpc}; none: no pin). */
    public static String compose(String name, ClusterRef cluster, Optional<ClusterPublicKeys> keys, boolean allowTestRoot,
            String launcherCompose, java.util.List<java.net.URI> rpc) {
        ObjectNode c = JSON.createObjectNode();
        c.put("manifest_version", 2);
        c.put("name", name);
        c.put("runner", "docker-compose");
        c.put("docker_compose_file", launcherCompose);
        c.put("kms_enabled", false);
        c.put("gateway_enabled", false);
        c.put("local_key_provider_enabled", true);
        c.put("key_provider_id", "");
        c.put("no_instance_id", true);
        ObjectNode pin = c.putObject("dstack4j_cluster");
        pin.put("chain_id", cluster.chainId());
        pin.put("contract", cluster.contract().toLowerHex());
        keys.ifPresent(k -> {
            pin.put("signer", k.signer().toLowerHex());
            pin.put("enc_key", "0x" + HexFormat.of().formatHex(k.encKey()));
        });
        pin.put("allow_test_root", allowTestRoot);
        if (!rpc.isEmpty()) {
            var list = pin.putArray("rpc");
            rpc.forEach(u -> list.add(u.toString()));
        }
        return c.toPrettyString();
    }

    /** Boots a simulated CVM with {@code seed} (its own keys) and serves its agent on {@code dir/<seed>.sock}. */
    public static SimulatedCvm start(Path dir, String seed, String compose, MeasurementProfile profile) throws Exception {
        return start(dir, seed, compose, profile, Optional.empty());
    }

    /**
     * {@link #start(Path, String, String, MeasurementProfile)} in cluster mode: the {@code key-provider} boot event names
     * {@code cluster} (as {@code dstack4j agent --cluster-keys} names the cluster its compose pins).
     */
    public static SimulatedCvm start(Path dir, String seed, String compose, MeasurementProfile profile,
            Optional<org.dstack4j.attestation.policy.ClusterKeyProvider> cluster) throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig(seed, AppCompose.parse(compose.getBytes(StandardCharsets.UTF_8), seed),
                profile, Optional.empty(), Optional.of(PKI_SEED), cluster));
        Path socket = dir.resolve(seed + ".sock");
        AgentServer server = AgentServer.start(AgentServer.Config.of(socket),
                new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("test", "test")));
        DstackClient client = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).build();
        return new SimulatedCvm(tdx, server, client, compose, profile);
    }

    /**
     * A second agent of this CVM in cluster mode (the apps' socket): GetKey, Sign, GetTlsKey and ClusterAttest
     * from the node's app-key socket; quotes and events from the same TDX. Closed with this CVM.
     */
    public DstackClient startClusterAgent(Path socket, Path appKeySocket) throws Exception {
        byte[] appId = HexFormat.of().parseHex(client.info().appId());
        var keys = new org.dstack4j.agent.keys.cluster.ClusterKeySource(appKeySocket, appId, java.time.Duration.ofSeconds(5));
        AgentServer s = AgentServer.start(AgentServer.Config.of(socket), new GuestApi(tdx, keys, new AgentVersion("test", "test")));
        DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).build();
        extra.add(c);
        extra.add(s);
        extra.add(keys);
        return c;
    }

    /** The default measurement profile with one record component replaced (a different MRTD, a debug TD...). */
    public static MeasurementProfile profileWith(String component, Object value) throws Exception {
        MeasurementProfile base = MeasurementProfile.defaults();
        RecordComponent[] rc = MeasurementProfile.class.getRecordComponents();
        Object[] args = new Object[rc.length];
        Class<?>[] types = new Class<?>[rc.length];
        boolean found = false;
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            args[i] = rc[i].getName().equals(component) ? value : rc[i].getAccessor().invoke(base);
            found |= rc[i].getName().equals(component);
        }
        if (!found) throw new IllegalArgumentException("no component " + component);
        return MeasurementProfile.class.getDeclaredConstructor(types).newInstance(args);
    }

    /** The SDK client on the agent's socket. */
    public DstackClient client() {
        return client;
    }

    /** The node address: the secp256k1 address of the agent's key for {@value #NODE_KEY_PATH}. */
    public Address nodeAddress() throws Exception {
        byte[] key = client.getKey(NODE_KEY_PATH, "", "secp256k1").key();
        return SigningKey.of(key).address();
    }

    /** Asks the agent (over the socket) for a quote with this report data and packs the evidence. */
    public Evidence evidence(byte[] reportData) throws Exception {
        GetQuoteResponse r = client.getQuote(reportData);
        return new Evidence(r.quote(), EventLog.of(r.eventLog()).toJson(), compose);
    }

    /** The agent's raw quote response. */
    public GetQuoteResponse quote(byte[] reportData) throws Exception {
        return client.getQuote(reportData);
    }

    /** The app-compose text. */
    public String compose() {
        return compose;
    }

    /** The measurement profile. */
    public MeasurementProfile profile() {
        return profile;
    }

    /** The DCAP collateral of the shared test PKI. */
    public Collateral collateral() throws Exception {
        return CollateralJson.parse(tdx.collateral().toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** The shared TEST root certificate. */
    public X509Certificate testRoot() throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(tdx.testRootPem().getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public void close() {
        for (AutoCloseable c : extra.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        client.close();
        server.close();
    }
}
