package org.dstack4j.cluster.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.relay.Relay;
import org.dstack4j.cluster.relay.RelayServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's startup check of the pinned chain id ({@code cluster node} calls {@link NodeChain#requireChain}): three
 * pinned endpoints read through a real relay's tunnel with the pinned quorum 2, behind them a real anvil, an honest
 * proxy to it, a proxy that lies about {@code eth_chainId} and ports nothing listens on. A minority down or lying is a
 * warning and the node starts; without a quorum, or with a quorum on another chain, it stops with one clear error.
 */
class NodeChainIdTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(10); // no case waits it out: a bound for a loaded machine
    private static final String C = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private static final Relay NO_RELAY = new org.dstack4j.cluster.testing.NoRelay();

    private static Anvil anvil;
    private static long chainId;
    private static URI honest;
    private static URI liar;
    private static final List<HttpServer> proxies = new ArrayList<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        chainId = anvil.chainId().longValueExact();
        honest = proxy(r -> r);
        liar = proxy(r -> r.has("result") && r.get("result").asText().equals("0x" + Long.toHexString(chainId)) ? r.put("result", "0x1") : r);
    }

    @AfterAll
    static void stop() {
        proxies.forEach(s -> s.stop(0));
        if (anvil != null) anvil.close();
    }

    /** An HTTP JSON-RPC proxy to anvil that passes {@code rewrite(response)} back. */
    private static URI proxy(UnaryOperator<ObjectNode> rewrite) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(T).build();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            byte[] req = ex.getRequestBody().readAllBytes();
            byte[] answer;
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(anvil.url()).timeout(T).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(req)).build(), HttpResponse.BodyHandlers.ofByteArray());
                answer = JSON.writeValueAsBytes(rewrite.apply((ObjectNode) JSON.readTree(r.body())));
            } catch (InterruptedException e) {
                throw new java.io.IOException(e);
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, answer.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(answer);
            }
        });
        s.start();
        proxies.add(s);
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/");
    }

    /** Ports handed out by {@link #down()}: two endpoints that are down must be two endpoints, not one port drawn twice. */
    private static final Set<Integer> DOWN_PORTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A local URL nothing listens on (an endpoint that is down), on a port no earlier call returned. */
    private static URI down() throws Exception {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                if (DOWN_PORTS.add(s.getLocalPort())) return URI.create("http://127.0.0.1:" + s.getLocalPort() + "/");
            }
        }
    }

    /** Opens the node's chain for a devnet pin of {@code endpoints} with quorum 2, through a relay that tunnels to all of them. */
    private static String startup(List<URI> endpoints, long pinnedChainId, List<String> warnings) throws Exception {
        String rpc = JSON.writeValueAsString(endpoints.stream().map(URI::toString).toList());
        ClusterPin pin = ClusterPin.fromCompose("{\"dstack4j_cluster\":{\"chain_id\":" + pinnedChainId + ",\"contract\":\"" + C
                + "\",\"allow_test_root\":true,\"rpc\":" + rpc + ",\"rpc_quorum\":2}}").orElseThrow();
        Path sock = dir.resolve("relay-" + System.nanoTime() + ".sock");
        Set<String> targets = new java.util.HashSet<>();
        endpoints.forEach(u -> targets.add(RelayServer.tunnelTarget(u)));
        try (RelayServer relay = RelayServer.start(sock, NO_RELAY, T, targets);
                NodeChain chain = NodeChain.open(pin, List.of(), Optional.empty(), sock, T)) {
            assertThat(chain.throughRelay()).isTrue();
            assertThat(chain.source().quorum()).isEqualTo(2);
            chain.requireChain(pinnedChainId, warnings::add);
            return chain.describe();
        }
    }

    @Test
    void oneOfThreePinnedEndpointsDownIsAWarningAndTheNodeStarts() throws Exception {
        URI dead = down();
        List<String> warnings = new ArrayList<>();
        startup(List.of(anvil.url(), honest, dead), chainId, warnings);
        assertThat(warnings).singleElement().asString().contains("outside the quorum").contains(dead.getHost() + ":" + dead.getPort())
                .contains("failed");
    }

    @Test
    void oneOfThreePinnedEndpointsLyingAboutTheChainIsAWarningAndTheNodeStarts() throws Exception {
        List<String> warnings = new ArrayList<>();
        startup(List.of(anvil.url(), liar, honest), chainId, warnings);
        assertThat(warnings).singleElement().asString().contains(liar.getHost() + ":" + liar.getPort()).contains("serves chain 1, not " + chainId);
    }

    @Test
    void twoOfThreeDownOrLyingIsOneClearError() throws Exception {
        for (List<URI> endpoints : List.of(List.of(anvil.url(), down(), down()), List.of(anvil.url(), liar, down()))) {
            List<String> warnings = new ArrayList<>();
            assertThatThrownBy(() -> startup(endpoints, chainId, warnings)).isInstanceOfSatisfying(RpcException.class, e -> {
                assertThat(e.error()).isInstanceOf(RpcError.Disagreement.class);
                assertThat(e.getMessage()).contains("eth_chainId").contains("no chain id is served by 2 of the 3 endpoints")
                        .contains("failed").contains(anvil.url().getHost() + ":" + anvil.url().getPort() + " (through the relay) serves chain " + chainId);
            });
            assertThat(warnings).isEmpty();
        }
    }

    @Test
    void aQuorumOnAnotherChainThanThePinnedOneIsAnError() throws Exception {
        assertThatThrownBy(() -> startup(List.of(anvil.url(), honest, down()), chainId + 1, new ArrayList<>()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serve chain " + chainId + " but the app-compose pins chain " + (chainId + 1));
    }
}
