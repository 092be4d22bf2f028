package org.dstack4j.cluster.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.ClusterReads;
import org.dstack4j.cluster.contract.GenesisRecord;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.relay.ContractCall;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.Relay;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.cluster.secret.X25519KeyPair;
import org.dstack4j.cluster.testing.NodePolicy;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node daemons talking to the chain only through their own host relay on a unix socket (real anvil, the compiled
 * contract, real simulator agents): genesis bootstrapped by the governor, a join answered by the genesis daemon, a
 * disallowed MRTD refused on chain with its check, a relay that swaps the encryption key in calldata (the member
 * rejects with report-data, the newcomer gets nothing), and a relay that withholds the request (no answer).
 */
class DaemonOverRelayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DaemonConfig FAST = new DaemonConfig(0, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(40));

    @TempDir
    Path dir;

    private Anvil anvil;
    private TransactionSender governor;
    private TransactionSender operator;
    private ClusterContract contract;
    private ClusterRef ref;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<AutoCloseable> closers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void chain() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        BigInteger chainId = anvil.chainId();
        governor = new TransactionSender(anvil.rpc(), anvil.account(0), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
        operator = new TransactionSender(anvil.rpc(), anvil.account(1), chainId, Duration.ofSeconds(20), Duration.ofMillis(10));
        contract = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        contract.writes(governor).setOperator(operator.from(), true);
        ref = new ClusterRef(chainId.longValueExact(), contract.address());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closers.reversed()) c.close();
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        anvil.close();
    }

    /** A daemon for {@code cvm} whose only link out is a relay socket served by {@code relay}. */
    private NodeDaemon daemon(SimulatedCvm cvm, Relay relay, List<String> out) throws Exception {
        return daemon(anvil.rpc(), cvm, relay, out);
    }

    private NodeDaemon daemon(org.dstack4j.chain.rpc.JsonRpcClient rpc, SimulatedCvm cvm, Relay relay, List<String> out) throws Exception {
        Path sock = dir.resolve(cvm.nodeAddress().toLowerHex().substring(2, 10) + "-relay.sock");
        RelayServer server = RelayServer.start(sock, relay, Duration.ofSeconds(30));
        RelayClient client = new RelayClient(sock, Duration.ofSeconds(30));
        NodeDaemon d = new NodeDaemon(rpc, contract, new DstackAttestor(cvm.client(), cvm.compose()),
                ClusterPin.fromCompose(cvm.compose()).orElseThrow(), client, client, FAST, out::add);
        closers.add(server);
        closers.add(client);
        closers.add(d);
        return d;
    }

    private HostRelay honest(SimulatedCvm cvm) throws Exception {
        Path file = dir.resolve("collateral.json");
        Files.writeString(file, org.dstack4j.attestation.dcap.CollateralJson.toJsonNode(cvm.collateral()).toString());
        return HostRelay.withCollateralFile(contract, operator, file);
    }

    private ClusterReads reads() throws Exception {
        return contract.reads(ChainView.pin(anvil.rpc(), 0));
    }

    /** Starts the genesis daemon, bootstraps what it submits, and leaves it serving. */
    private SimulatedCvm genesisServing(List<String> out) throws Exception {
        return genesisServing(anvil.rpc(), out);
    }

    private SimulatedCvm genesisServing(org.dstack4j.chain.rpc.JsonRpcClient rpc, List<String> out) throws Exception {
        SimulatedCvm g = SimulatedCvm.start(dir, "genesis", SimulatedCvm.compose("cluster-node", ref, Optional.empty(), true,
                SimulatedCvm.LAUNCHER_COMPOSE), SimulatedCvm.profileWith("source", "g"));
        closers.add(g);
        NodeDaemon gd = daemon(rpc, g, honest(g), out);
        Future<NodeDaemon.Start> started = pool.submit(gd::genesis);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (reads().genesisCount().signum() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
        GenesisRecord rec = reads().genesis(BigInteger.ONE);
        contract.writes(governor).bootstrap(rec.id(), rec.node());
        assertThat(started.get(30, TimeUnit.SECONDS)).isInstanceOf(NodeDaemon.Holding.class);
        pool.submit(() -> {
            try {
                gd.serve();
            } catch (Throwable t) {
                out.add("{\"event\":\"crash\",\"error\":" + JSON.writeValueAsString(String.valueOf(t)) + "}");
                throw t;
            }
            return null;
        });
        return g;
    }

    private SimulatedCvm joiner(String seed, Object mrtd) throws Exception {
        var keys = reads().clusterSigner();
        var pub = new org.dstack4j.cluster.secret.ClusterPublicKeys(keys, reads().clusterEncKey());
        String compose = SimulatedCvm.compose("cluster-node", ref, Optional.of(pub), true, SimulatedCvm.LAUNCHER_COMPOSE);
        SimulatedCvm c = SimulatedCvm.start(dir, seed, compose, mrtd == null ? SimulatedCvm.profileWith("source", seed)
                : SimulatedCvm.profileWith("mrtd", mrtd));
        closers.add(c);
        return c;
    }

    private void allow(SimulatedCvm cvm) throws Exception {
        for (var e : NodePolicy.of(cvm)) {
            if (reads().isAllowed(e.getKey(), e.getValue())) continue;
            contract.writes(governor).proposePolicy(e.getKey(), e.getValue());
            contract.writes(governor).applyPolicy(e.getKey(), e.getValue());
        }
    }

    private static JsonNode last(List<String> out, String event) throws Exception {
        for (String line : out.reversed()) {
            JsonNode n = JSON.readTree(line);
            if (n.path("event").asText().equals(event)) return n;
        }
        throw new AssertionError("no " + event + " in " + out);
    }

    @Test
    void genesisThenAJoinAndARefusalThroughRelays() throws Exception {
        List<String> gOut = new CopyOnWriteArrayList<>();
        genesisServing(gOut);
        SimulatedCvm alice = joiner("alice", null);
        allow(alice);
        List<String> aOut = new CopyOnWriteArrayList<>();
        NodeDaemon.Start a = daemon(alice, honest(alice), aOut).join();
        assertThat(a).as(aOut + " / " + gOut).isInstanceOf(NodeDaemon.Holding.class);
        // the newcomer derived the keys the genesis node announced (public values only in the output)
        assertThat(last(aOut, "joined").path("signer").asText()).isEqualTo(last(gOut, "bootstrapped").path("signer").asText());
        assertThat(last(aOut, "joined").path("enc_key").asText()).isEqualTo(last(gOut, "bootstrapped").path("enc_key").asText());
        assertThat(reads().isMember(alice.nodeAddress())).isTrue();

        byte[] mrtd = alice.profile().mrtd();
        mrtd[3] ^= 1;
        SimulatedCvm mallory = joiner("mallory", mrtd);
        List<String> mOut = new CopyOnWriteArrayList<>();
        NodeDaemon.Start m = daemon(mallory, honest(mallory), mOut).join();
        assertThat(m).as(mOut.toString()).isInstanceOf(NodeDaemon.Refused.class);
        BigInteger id = ((NodeDaemon.Refused) m).requestId();
        assertThat(((NodeDaemon.Refused) m).check()).isEqualTo(JoinCheck.MEASUREMENT.number());
        assertThat(reads().rejectedCheck(id)).isEqualTo(11);
        assertThat(last(mOut, "refused").path("check_name").asText()).isEqualTo("measurement");
        for (String line : gOut) assertThat(line).doesNotContain("secret");
    }

    @Test
    void aRelayThatSwapsTheEncryptionKeyGetsAReportDataRejectAndTheNewcomerNothing() throws Exception {
        genesisServing(new CopyOnWriteArrayList<>());
        SimulatedCvm carol = joiner("carol", null);
        allow(carol);
        HostRelay honest = honest(carol);
        X25519KeyPair hostKey = X25519KeyPair.generate(new java.security.SecureRandom());
        Relay swapping = new Relay() {
            @Override
            public Submitted submit(ContractCall call) throws RelayException {
                if (call instanceof ContractCall.RequestJoin j) {
                    call = new ContractCall.RequestJoin(j.anchorNumber(), j.node(), hostKey.publicKey(), j.evidence());
                }
                return honest.submit(call);
            }

            @Override
            public Collateral collateral(byte[] quote) throws RelayException {
                return honest.collateral(quote);
            }
        };
        List<String> out = new CopyOnWriteArrayList<>();
        NodeDaemon d = new NodeDaemon(anvil.rpc(), contract, new DstackAttestor(carol.client(), carol.compose()),
                ClusterPin.fromCompose(carol.compose()).orElseThrow(), relayed(swapping, "swap"), relayed(swapping, "swap2"),
                new DaemonConfig(0, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(8)), out::add);
        closers.add(d);
        assertThat(d.join()).as(out.toString()).isInstanceOf(NodeDaemon.TimedOut.class);
        assertThat(d.holdsSecret()).isFalse();
        // the genesis member rejected the swapped request with report-data; nothing was sealed to the host's key
        BigInteger id = reads().requestCount();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (reads().request(id).state() == RequestState.PENDING && System.nanoTime() < deadline) Thread.sleep(100);
        assertThat(reads().request(id).state()).isEqualTo(RequestState.REJECTED);
        assertThat(reads().rejectedCheck(id)).isEqualTo(JoinCheck.REPORT_DATA.number());
        assertThat(contract.events(ChainView.pin(anvil.rpc(), 0), 0, "Onboarded").stream()
                .filter(e -> e.event() instanceof ClusterEvent.Onboarded o && o.id().equals(id))).isEmpty();
        hostKey.close();
    }

    /**
     * A daemon whose compose pins anvil as its RPC: it gets no --rpc and reads the chain only through its relay's tunnel
     * (the relay allows exactly that host:port).
     */
    private NodeDaemon tunnelled(SimulatedCvm cvm, Relay relay, List<String> out) throws Exception {
        Path sock = dir.resolve(cvm.nodeAddress().toLowerHex().substring(2, 10) + "-tunnel.sock");
        RelayServer server = RelayServer.start(sock, relay, Duration.ofSeconds(30),
                java.util.Set.of(RelayServer.tunnelTarget(anvil.url())));
        ClusterPin pin = ClusterPin.fromCompose(cvm.compose()).orElseThrow();
        NodeChain chain = NodeChain.open(pin, List.of(), Optional.empty(), sock, Duration.ofSeconds(5));
        assertThat(chain.throughRelay()).isTrue();
        assertThat(chain.source().endpoints()).allSatisfy(e -> assertThat(e.endpoint()).endsWith("(through the relay)"));
        RelayClient client = new RelayClient(sock, Duration.ofSeconds(30));
        NodeDaemon d = new NodeDaemon(chain.source(), contract, new DstackAttestor(cvm.client(), cvm.compose()), pin, client, client, FAST, out::add);
        closers.add(server);
        closers.add(client);
        closers.add(chain);
        closers.add(d);
        return d;
    }

    @Test
    void genesisAndAJoinWithEveryChainReadThroughTheRelaysTunnel() throws Exception {
        List<URI> rpc = List.of(anvil.url());
        SimulatedCvm g = SimulatedCvm.start(dir, "tunnel-genesis", SimulatedCvm.compose("cluster-node", ref, Optional.empty(), true,
                SimulatedCvm.LAUNCHER_COMPOSE, rpc), SimulatedCvm.profileWith("source", "tg"));
        closers.add(g);
        List<String> gOut = new CopyOnWriteArrayList<>();
        NodeDaemon gd = tunnelled(g, honest(g), gOut);
        Future<NodeDaemon.Start> started = pool.submit(gd::genesis);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (reads().genesisCount().signum() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
        GenesisRecord rec = reads().genesis(BigInteger.ONE);
        contract.writes(governor).bootstrap(rec.id(), rec.node());
        assertThat(started.get(30, TimeUnit.SECONDS)).as(gOut.toString()).isInstanceOf(NodeDaemon.Holding.class);
        pool.submit(() -> {
            gd.serve();
            return null;
        });
        var pub = new org.dstack4j.cluster.secret.ClusterPublicKeys(reads().clusterSigner(), reads().clusterEncKey());
        SimulatedCvm t = SimulatedCvm.start(dir, "tunnel-joiner", SimulatedCvm.compose("cluster-node", ref, Optional.of(pub), true,
                SimulatedCvm.LAUNCHER_COMPOSE, rpc), SimulatedCvm.profileWith("source", "tj"));
        closers.add(t);
        allow(t);
        List<String> tOut = new CopyOnWriteArrayList<>();
        assertThat(tunnelled(t, honest(t), tOut).join()).as(tOut + " / " + gOut).isInstanceOf(NodeDaemon.Holding.class);
        assertThat(last(tOut, "joined").path("signer").asText()).isEqualTo(last(gOut, "bootstrapped").path("signer").asText());
        assertThat(reads().isMember(t.nodeAddress())).isTrue();
    }

    @Test
    void aRelayThatWithholdsTheRequestLeavesTheNewcomerWithoutAnAnswer() throws Exception {
        genesisServing(new CopyOnWriteArrayList<>());
        SimulatedCvm dave = joiner("dave", null);
        allow(dave);
        HostRelay honest = honest(dave);
        Relay withholding = new Relay() {
            @Override
            public Submitted submit(ContractCall call) {
                return new Submitted(new byte[32], 1); // claims success, sends nothing
            }

            @Override
            public Collateral collateral(byte[] quote) throws RelayException {
                return honest.collateral(quote);
            }
        };
        List<String> out = new CopyOnWriteArrayList<>();
        NodeDaemon d = new NodeDaemon(anvil.rpc(), contract, new DstackAttestor(dave.client(), dave.compose()),
                ClusterPin.fromCompose(dave.compose()).orElseThrow(), relayed(withholding, "hold"), relayed(withholding, "hold2"),
                new DaemonConfig(0, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(3)), out::add);
        closers.add(d);
        NodeDaemon.Start s = d.join();
        assertThat(s).isInstanceOf(NodeDaemon.TimedOut.class);
        assertThat(((NodeDaemon.TimedOut) s).what()).contains("our join request");
        assertThat(reads().requestCount()).isEqualTo(BigInteger.ZERO);
        assertThat(d.holdsSecret()).isFalse();
    }

    @Test
    void aMemberWhoseRpcIsDownAnswersWhenItIsBack() throws Exception {
        // the genesis member reads the chain through a loopback JSON-RPC proxy that can be switched to 503
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        com.sun.net.httpserver.HttpServer proxy = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (down.get()) {
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            try {
                var r = http.send(java.net.http.HttpRequest.newBuilder(anvil.url()).header("content-type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                ex.getResponseHeaders().add("content-type", "application/json");
                ex.sendResponseHeaders(r.statusCode(), r.body().length);
                ex.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(502, -1);
            }
            ex.close();
        });
        proxy.setExecutor(Executors.newFixedThreadPool(4));
        proxy.start();
        closers.add(() -> proxy.stop(0));
        var proxied = new org.dstack4j.chain.rpc.JsonRpcClient(java.net.URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()),
                Duration.ofSeconds(5), org.dstack4j.chain.rpc.JsonRpcClient.DEFAULT_MAX_RESPONSE);
        closers.add(proxied);
        List<String> gOut = new CopyOnWriteArrayList<>();
        genesisServing(proxied, gOut);
        SimulatedCvm erin = joiner("erin", null);
        allow(erin);
        down.set(true);
        List<String> eOut = new CopyOnWriteArrayList<>();
        NodeDaemon ed = daemon(erin, honest(erin), eOut);
        Future<NodeDaemon.Start> joined = pool.submit(ed::join);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (reads().requestCount().signum() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
        // a poll of the member's that failed after the request was on chain (its back-off is at most 5 s), rather than a
        // fixed sleep a loaded machine might spend before the member polls at all
        long errorsBefore = gOut.stream().filter(l -> l.contains("read-error")).count();
        deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (gOut.stream().filter(l -> l.contains("read-error")).count() <= errorsBefore && System.nanoTime() < deadline) Thread.sleep(50);
        // while its RPC is down the member answers nothing and says why
        assertThat(gOut.stream().filter(l -> l.contains("read-error")).count()).as(gOut.toString()).isGreaterThan(errorsBefore);
        assertThat(reads().request(BigInteger.ONE).state()).isEqualTo(RequestState.PENDING);
        down.set(false);
        assertThat(joined.get(40, TimeUnit.SECONDS)).as(eOut + " / " + gOut).isInstanceOf(NodeDaemon.Holding.class);
        assertThat(last(gOut, "answered").path("outcome").asText()).isEqualTo("onboard");
    }

    /** {@code relay} served on its own socket, and the node's client for it. */
    private RelayClient relayed(Relay relay, String name) throws Exception {
        Path sock = dir.resolve(name + ".sock");
        closers.add(RelayServer.start(sock, relay, Duration.ofSeconds(30)));
        RelayClient c = new RelayClient(sock, Duration.ofSeconds(30));
        closers.add(c);
        return c;
    }
}
