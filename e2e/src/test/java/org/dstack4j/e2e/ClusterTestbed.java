package org.dstack4j.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.server.AgentServer;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.relay.ContractCall;
import org.dstack4j.cluster.relay.Relay;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;

/** Test pieces of the cluster process tests: simulated CVMs whose agents serve on unix sockets, and host relays that can turn hostile. */
final class ClusterTestbed {
    static final String PKI_SEED = "dstack4j-e2e-cluster-platform";
    static final String LAUNCHER_COMPOSE = "services:\n  app:\n    image: example/app@sha256:" + "ab".repeat(32) + "\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClusterTestbed() {}

    /** A cluster node's app-compose pinned to {@code ref} and {@code keys} (none: the genesis node's). */
    static String compose(String name, ClusterRef ref, Optional<ClusterPublicKeys> keys, boolean allowTestRoot) {
        return compose(name, ref, keys, allowTestRoot, java.util.List.of());
    }

    /** As above, also pinning the RPC endpoints the node reads through its relay's tunnel ({@code rpc}; none: no pin). */
    static String compose(String name, ClusterRef ref, Optional<ClusterPublicKeys> keys, boolean allowTestRoot, java.util.List<java.net.URI> rpc) {
        ObjectNode c = JSON.createObjectNode().put("manifest_version", 2).put("name", name).put("runner", "docker-compose")
                .put("docker_compose_file", LAUNCHER_COMPOSE).put("kms_enabled", false).put("gateway_enabled", false)
                .put("local_key_provider_enabled", true).put("key_provider_id", "").put("no_instance_id", true);
        ObjectNode pin = c.putObject("dstack4j_cluster").put("chain_id", ref.chainId()).put("contract", ref.contract().toLowerHex());
        keys.ifPresent(k -> pin.put("signer", k.signer().toLowerHex()).put("enc_key", org.dstack4j.chain.Hex.data(k.encKey())));
        pin.put("allow_test_root", allowTestRoot);
        if (!rpc.isEmpty()) {
            var list = pin.putArray("rpc");
            rpc.forEach(u -> list.add(u.toString()));
        }
        return c.toPrettyString();
    }

    /** The simulator's built-in profile with top-level or {@code td_report} hex fields replaced (parsed as the agent parses files). */
    static MeasurementProfile profile(String... fieldValue) throws Exception {
        ObjectNode p = (ObjectNode) JSON.readTree(MeasurementProfile.class.getResourceAsStream("default-measurements.json"));
        for (int i = 0; i < fieldValue.length; i += 2) {
            String f = fieldValue[i];
            if (f.startsWith("td_report.")) ((ObjectNode) p.get("td_report")).put(f.substring(10), fieldValue[i + 1]);
            else p.put(f, fieldValue[i + 1]);
        }
        return MeasurementProfile.parse(JSON.writeValueAsBytes(p), "test profile");
    }

    /**
     * The built-in profile with the first boot event of RTMR {@code imr} (0..2) measuring something else: its digest
     * replaced and the register recomputed by replaying the log, as firmware that measured another kernel or cmdline.
     */
    static MeasurementProfile profileWithOtherBootEvent(int imr) throws Exception {
        ObjectNode p = (ObjectNode) JSON.readTree(MeasurementProfile.class.getResourceAsStream("default-measurements.json"));
        java.security.MessageDigest sha384 = java.security.MessageDigest.getInstance("SHA-384");
        byte[] reg = new byte[48];
        boolean replaced = false;
        for (var e : p.get("boot_event_log")) {
            if (e.get("imr").asInt() != imr) continue;
            if (!replaced) {
                ((ObjectNode) e).put("digest", java.util.HexFormat.of().formatHex(sha384.digest(("other boot event " + imr).getBytes(StandardCharsets.UTF_8))));
                replaced = true;
            }
            sha384.update(reg);
            sha384.update(java.util.HexFormat.of().parseHex(e.get("digest").asText()));
            reg = sha384.digest();
        }
        p.put("rtmr" + imr, java.util.HexFormat.of().formatHex(reg));
        return MeasurementProfile.parse(JSON.writeValueAsBytes(p), "test profile (other RTMR" + imr + " boot event)");
    }

    /**
     * The built-in profile of a debug TD (TDATTRIBUTES bit 0). The profile parser refuses it (the simulator models
     * production TDs), so the record is built directly: the agent still signs the quote with the test PKI.
     */
    static MeasurementProfile debugProfile() throws Exception {
        MeasurementProfile base = MeasurementProfile.defaults();
        RecordComponent[] rc = MeasurementProfile.class.getRecordComponents();
        Object[] args = new Object[rc.length];
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            args[i] = rc[i].getAccessor().invoke(base);
        }
        int td = List.of(rc).stream().map(RecordComponent::getName).toList().indexOf("tdAttributes");
        byte[] attrs = base.tdAttributes();
        attrs[0] |= 1;
        args[td] = attrs;
        return MeasurementProfile.class.getDeclaredConstructor(types).newInstance(args);
    }

    /** A simulated CVM: the product's simulator behind its agent server on {@code dir/<name>.agent.sock}. */
    record Cvm(String name, Path socket, SimulatedTdx tdx, AgentServer server, String compose) implements AutoCloseable {
        static Cvm start(Path dir, String name, String compose, MeasurementProfile profile) throws Exception {
            SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig(name, AppCompose.parse(compose.getBytes(StandardCharsets.UTF_8), name),
                    profile, Optional.empty(), Optional.of(PKI_SEED)));
            Path socket = dir.resolve(name + ".agent.sock");
            // a minute (not the agent's 10 s) for a connection's first request: dozens of node JVMs start at once on CI's two cores
            AgentServer.Config cfg = new AgentServer.Config(socket, AgentServer.Config.DEFAULT_MODE, java.time.Duration.ofSeconds(60),
                    64 * 1024, 256, java.time.Duration.ofSeconds(60));
            AgentServer server = AgentServer.start(cfg, new GuestApi(tdx, tdx.appKeys(), tdx.appCa(),
                    new AgentVersion("test", "test")));
            return new Cvm(name, socket, tdx, server, compose);
        }

        /** The node address (docs/cluster-protocol.md "Identifiers"), asked of the agent over its socket. */
        Address nodeAddress() throws Exception {
            try (DstackClient c = client()) {
                return SigningKey.of(c.getKey("dstack4j/cluster/node/v1", "", "secp256k1").key()).address();
            }
        }

        DstackClient client() {
            return DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).build();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** What a hostile host does with a node's call instead of (or around) relaying it honestly. */
    interface Tamper {
        Relay.Submitted submit(ContractCall call, Relay honest) throws RelayException;
    }

    static final Tamper HONEST = (call, honest) -> honest.submit(call);

    /**
     * A host relay that can turn hostile: every call goes through its current {@link Tamper}; collateral can be
     * refused. Submissions of relays sharing one gas key are serialized on {@code lock}. Everything it sees and
     * every refusal is kept in {@link #log()} (checked for leaked secrets).
     */
    static final class TestRelay implements Relay {
        private final Relay honest;
        private final List<String> log = new CopyOnWriteArrayList<>();
        volatile Tamper tamper = HONEST;
        volatile boolean refuseCollateral;
        /** When set, served instead of the honest collateral (a host with an old copy). */
        volatile Collateral staleCollateral;

        TestRelay(Relay host, Object lock) {
            this.honest = new Relay() {
                @Override
                public Submitted submit(ContractCall call) throws RelayException {
                    synchronized (lock) {
                        return host.submit(call);
                    }
                }

                @Override
                public Collateral collateral(byte[] quote) throws RelayException {
                    return host.collateral(quote);
                }
            };
        }

        @Override
        public Submitted submit(ContractCall call) throws RelayException {
            log.add("call " + call.toJson());
            try {
                Submitted s = tamper.submit(call, honest);
                log.add("mined " + call.function() + " in block " + s.blockNumber());
                return s;
            } catch (RelayException e) {
                log.add("refused " + call.function() + ": " + e.getMessage());
                throw e;
            }
        }

        @Override
        public Collateral collateral(byte[] quote) throws RelayException {
            if (refuseCollateral) {
                log.add("collateral refused");
                throw new RelayException("this host refuses to fetch collateral", null);
            }
            Collateral stale = staleCollateral;
            if (stale != null) {
                log.add("collateral stale");
                return stale;
            }
            return honest.collateral(quote);
        }

        List<String> log() {
            return log;
        }
    }
}
