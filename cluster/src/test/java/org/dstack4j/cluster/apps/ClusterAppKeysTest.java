package org.dstack4j.cluster.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.Secp256k1;
import org.dstack4j.chain.crypto.Signature;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.AttestationConsumerContract;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterReads;
import org.dstack4j.cluster.contract.GenesisRecord;
import org.dstack4j.cluster.daemon.DaemonConfig;
import org.dstack4j.cluster.daemon.NodeDaemon;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.testing.NodePolicy;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackException;
import org.dstack4j.sdk.GetKeyResponse;
import org.dstack4j.sdk.TlsKeyRequest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agents in cluster mode on a real cluster (anvil, the compiled contract, node daemons with relays, simulator agents
 * on unix sockets): two members with the same app answer GetKey/Sign/GetTlsKey with the same keys, their signature
 * chains end in the cluster signer, their {@code ClusterAttest} answers verify on chain (cluster contract and a
 * consumer contract), and a CVM whose join was refused gets a clear 503 instead of keys. One cluster for the class.
 */
class ClusterAppKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DaemonConfig FAST = new DaemonConfig(0, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(40));

    static Path dir;
    static Anvil anvil;
    static TransactionSender governor;
    static TransactionSender operator;
    static ClusterContract contract;
    static ClusterRef ref;
    static final ExecutorService pool = Executors.newCachedThreadPool();
    static final List<AutoCloseable> closers = new CopyOnWriteArrayList<>();
    static DstackClient alice;
    static DstackClient bob;
    static DstackClient mallory;
    static Path aliceSocket;
    static HttpClient http;

    @BeforeAll
    static void cluster() throws Exception {
        dir = Files.createTempDirectory("apps");
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        BigInteger chainId = anvil.chainId();
        governor = new TransactionSender(anvil.rpc(), anvil.account(0), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
        operator = new TransactionSender(anvil.rpc(), anvil.account(1), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
        contract = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        contract.writes(governor).setOperator(operator.from(), true);
        ref = new ClusterRef(chainId.longValueExact(), contract.address());
        http = new HttpClient();
        http.start();

        SimulatedCvm g = cvm("genesis", SimulatedCvm.compose("cluster-node", ref, Optional.empty(), true, SimulatedCvm.LAUNCHER_COMPOSE),
                SimulatedCvm.profileWith("source", "g"));
        NodeDaemon gd = daemon(g);
        Future<NodeDaemon.Start> started = pool.submit(gd::genesis);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (reads().genesisCount().signum() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
        GenesisRecord rec = reads().genesis(BigInteger.ONE);
        contract.writes(governor).bootstrap(rec.id(), rec.node());
        assertThat(started.get(30, TimeUnit.SECONDS)).isInstanceOf(NodeDaemon.Holding.class);
        pool.submit(() -> {
            gd.serve();
            return null;
        });

        // alice and bob run the same app (same compose, so the same app id); mallory too, on a disallowed MRTD
        String compose = SimulatedCvm.compose("cluster-app", ref, Optional.of(new ClusterPublicKeys(reads().clusterSigner(),
                reads().clusterEncKey())), true, SimulatedCvm.LAUNCHER_COMPOSE);
        SimulatedCvm a = cvm("alice", compose, SimulatedCvm.profileWith("source", "alice"));
        SimulatedCvm b = cvm("bob", compose, SimulatedCvm.profileWith("source", "bob"));
        byte[] mrtd = a.profile().mrtd();
        mrtd[0] ^= 1;
        SimulatedCvm m = cvm("mallory", compose, SimulatedCvm.profileWith("mrtd", mrtd));
        for (var e : NodePolicy.of(a)) {
            if (reads().isAllowed(e.getKey(), e.getValue())) continue;
            contract.writes(governor).proposePolicy(e.getKey(), e.getValue());
            contract.writes(governor).applyPolicy(e.getKey(), e.getValue());
        }
        alice = member("alice", a, true);
        bob = member("bob", b, true);
        mallory = member("mallory", m, false);
        aliceSocket = dir.resolve("alice-apps.sock");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : closers.reversed()) c.close();
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        http.stop();
        anvil.close();
    }

    static SimulatedCvm cvm(String seed, String compose, org.dstack4j.agent.simulator.MeasurementProfile profile) throws Exception {
        // cluster-mode agents: the key-provider event names the cluster the compose pins (and so does the measurement)
        SimulatedCvm c = SimulatedCvm.start(dir, seed, compose, profile,
                Optional.of(org.dstack4j.attestation.policy.ClusterKeyProvider.fromAppCompose(compose.getBytes(java.nio.charset.StandardCharsets.UTF_8)).orElseThrow()));
        closers.add(c);
        return c;
    }

    static NodeDaemon daemon(SimulatedCvm cvm) throws Exception {
        String name = cvm.nodeAddress().toLowerHex().substring(2, 10);
        Path file = dir.resolve(name + "-collateral.json");
        Files.writeString(file, org.dstack4j.attestation.dcap.CollateralJson.toJsonNode(cvm.collateral()).toString());
        RelayServer server = RelayServer.start(dir.resolve(name + "-relay.sock"), HostRelay.withCollateralFile(contract, operator, file),
                Duration.ofSeconds(30));
        RelayClient client = new RelayClient(server.socket(), Duration.ofSeconds(30));
        NodeDaemon d = new NodeDaemon(anvil.rpc(), contract, new DstackAttestor(cvm.client(), cvm.compose()),
                ClusterPin.fromCompose(cvm.compose()).orElseThrow(), client, client, FAST, line -> { });
        closers.add(server);
        closers.add(client);
        closers.add(d);
        return d;
    }

    /** Joins (expecting {@code admitted}), serves the node's app-key socket, and starts the CVM's cluster-mode agent. */
    static DstackClient member(String name, SimulatedCvm cvm, boolean admitted) throws Exception {
        NodeDaemon d = daemon(cvm);
        NodeDaemon.Start s = d.join();
        assertThat(s).isInstanceOf(admitted ? NodeDaemon.Holding.class : NodeDaemon.Refused.class);
        Path keys = dir.resolve(name + "-keys.sock");
        closers.add(AppKeyServer.start(keys, d::withDerivation, ref, HexFormat.of().parseHex(cvm.client().info().appId()),
                Duration.ofSeconds(10)));
        return cvm.startClusterAgent(dir.resolve(name + "-apps.sock"), keys);
    }

    static ClusterReads reads() throws Exception {
        return contract.reads(ChainView.pin(anvil.rpc(), 0));
    }

    @Test
    void twoMembersAnswerGetKeyWithTheSameKeyAndAChainEndingInTheClusterSigner() throws Exception {
        GetKeyResponse a = alice.getKey("wallet/eth", "signing", "secp256k1");
        GetKeyResponse b = bob.getKey("wallet/eth", "signing", "secp256k1");
        assertThat(a.key()).isEqualTo(b.key());
        assertThat(a.signatureChain().get(0)).isEqualTo(b.signatureChain().get(0));
        assertThat(alice.getKey("wallet/other", "signing", "secp256k1").key()).isNotEqualTo(a.key());
        // dstack's chain: the app key signed the derived key, the "KMS" (here the cluster signer) signed the app key
        byte[] derivedPub = org.dstack4j.chain.crypto.SigningKey.of(a.key()).publicKey();
        byte[] compressed = AppGrant.compress(derivedPub);
        byte[] appPub = recover(a.signatureChain().get(0),
                Keccak.keccak256(("signing:" + HexFormat.of().formatHex(compressed)).getBytes(StandardCharsets.UTF_8)));
        byte[] appId = HexFormat.of().parseHex(alice.info().appId());
        Address issuer = Address.ofPublicKey(recover(a.signatureChain().get(1),
                Keccak.keccak256(AppGrant.concat("dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII), appId, AppGrant.compress(appPub)))));
        assertThat(issuer).isEqualTo(reads().clusterSigner());
    }

    @Test
    void signAndTlsKeysComeFromTheClusterToo() throws Exception {
        byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
        assertThat(alice.sign("secp256k1", msg).publicKey()).isEqualTo(bob.sign("secp256k1", msg).publicKey());
        List<String> ca = alice.getTlsKey(TlsKeyRequest.forSubject("app.example")).certificateChain();
        List<String> cb = bob.getTlsKey(TlsKeyRequest.forSubject("app.example")).certificateChain();
        assertThat(ca.getLast()).isEqualTo(cb.getLast()).contains("BEGIN CERTIFICATE");
        assertThat(ca.getFirst()).isNotEqualTo(cb.getFirst()); // a fresh leaf key each time, under the one cluster app CA
    }

    @Test
    void aRefusedCvmGetsNoKeysButAClearError() {
        DstackException.ErrorStatus e = catchThrowableOfType(DstackException.ErrorStatus.class,
                () -> mallory.getKey("wallet/eth", "signing", "secp256k1"));
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.getMessage()).contains("holds no cluster secret").contains("not a member");
        assertThat(catchThrowableOfType(DstackException.ErrorStatus.class, () -> mallory.sign("secp256k1", new byte[1])).status())
                .isEqualTo(503);
    }

    @Test
    void clusterAttestVerifiesOnChainAndInAConsumerContract() throws Exception {
        byte[] data = "price=42".getBytes(StandardCharsets.UTF_8);
        JsonNode a = attest(aliceSocket, data);
        JsonNode b = attest(dir.resolve("bob-apps.sock"), data);
        byte[] app32 = Hex.decode(a.path("app_id").asText());
        byte[] sig = Hex.decode(a.path("signature").asText());
        assertThat(a.path("signature").asText()).isEqualTo(b.path("signature").asText()); // RFC 6979: one answer
        assertThat(a.path("signer").asText()).isEqualTo(reads().clusterSigner().toString());
        assertThat(Arrays.copyOfRange(app32, 12, 32)).isEqualTo(HexFormat.of().parseHex(alice.info().appId()));
        assertThat(reads().verifyAttestation(app32, data, sig)).isTrue();
        assertThat(reads().verifyAttestation(app32, "price=43".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        var consumer = AttestationConsumerContract.deploy(governor, AttestationConsumerContract.compile(dir), contract.address(), app32);
        assertThat(consumer.check(data, sig)).isTrue();
        consumer.submit(operator, data, sig);
        assertThat(consumer.accepted(data)).isTrue();
        // a refused CVM's agent cannot attest
        JsonNode m = call(dir.resolve("mallory-apps.sock"), "ClusterAttest", data);
        assertThat(m.path("status").asInt()).isEqualTo(503);
    }

    static JsonNode attest(Path socket, byte[] data) throws Exception {
        JsonNode r = call(socket, "ClusterAttest", data);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return r.path("body");
    }

    static JsonNode call(Path socket, String method, byte[] data) throws Exception {
        ContentResponse r = http.newRequest("http://localhost/" + method).method("POST").transport(new Transport.TCPUnix(socket))
                .timeout(10, TimeUnit.SECONDS)
                .body(new StringRequestContent("application/json", "{\"data\":\"" + HexFormat.of().formatHex(data) + "\"}")).send();
        return JSON.createObjectNode().put("status", r.getStatus()).set("body", JSON.readTree(r.getContentAsString()));
    }

    static byte[] recover(byte[] sig65, byte[] digest) {
        byte[] s = sig65.clone();
        if (s[64] < 27) s[64] += 27;
        return Secp256k1.recoverPublicKey(digest, Signature.parse(s)).orElseThrow();
    }
}
