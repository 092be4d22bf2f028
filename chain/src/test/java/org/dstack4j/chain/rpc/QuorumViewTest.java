package org.dstack4j.chain.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.tx.TransactionSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A quorum of endpoints against one real anvil, some of them behind a lying proxy on loopback that
 * rewrites answers (the hostile RPC of the threat model).
 */
class QuorumViewTest {
    // runtime code that returns the 32-byte word 0x2a for any call: PUSH1 2a PUSH0 MSTORE PUSH1 20 PUSH0 RETURN
    static final String RUNTIME = "602a5f5260205ff3";
    static final String INIT = "6008600a5f3960085ff3" + RUNTIME;
    static final ObjectMapper JSON = new ObjectMapper();

    static Anvil anvil;
    static Address target;
    static final List<HttpServer> proxies = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        TransactionSender s = new TransactionSender(anvil.rpc(), anvil.account(0), anvil.chainId(), Duration.ofSeconds(10), Duration.ofMillis(10));
        target = s.sendAndWait(Optional.empty(), Hex.decode(INIT), BigInteger.ZERO).contractAddress().orElseThrow();
        anvil.mine(3);
    }

    @AfterAll
    static void stop() {
        proxies.forEach(p -> p.stop(0));
        anvil.close();
    }

    /** A proxy to anvil that passes {@code rewrite(method, response)} back instead of anvil's answer. */
    static JsonRpcClient liar(java.util.function.BiFunction<String, ObjectNode, ObjectNode> rewrite) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            byte[] req = ex.getRequestBody().readAllBytes();
            String method = JSON.readTree(req).path("method").asText();
            byte[] answer;
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(anvil.url()).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(req)).build(), HttpResponse.BodyHandlers.ofByteArray());
                answer = JSON.writeValueAsBytes(rewrite.apply(method, (ObjectNode) JSON.readTree(r.body())));
            } catch (InterruptedException e) {
                throw new java.io.IOException(e);
            }
            ex.sendResponseHeaders(200, answer.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(answer);
            }
        });
        s.start();
        proxies.add(s);
        return new JsonRpcClient(URI.create("http://127.0.0.1:" + s.getAddress().getPort()));
    }

    static JsonRpcClient honest() {
        return new JsonRpcClient(anvil.url());
    }

    static JsonRpcClient callLiar() throws Exception {
        return liar((m, r) -> m.equals("eth_call") ? r.put("result", Hex.data(Hex.word(BigInteger.valueOf(99)))) : r);
    }

    static JsonRpcClient forkLiar() throws Exception {
        // claims another hash for every block: a chain of its own
        return liar((m, r) -> m.equals("eth_getBlockByNumber") && r.path("result").isObject()
                ? r.set("result", ((ObjectNode) r.get("result")).put("hash", Hex.data(new byte[32]))) : r);
    }

    static byte[] read(ChainReader v) throws RpcException {
        return v.call(target, new byte[0]);
    }

    @Test
    void aMinorityLiarIsOutvoted() throws Exception {
        QuorumView v = QuorumView.pin(List.of(callLiar(), honest(), honest()), 1, 2);
        assertThat(new BigInteger(1, read(v))).isEqualTo(BigInteger.valueOf(42));
        assertThat(v.blockNumber()).isEqualTo(anvil.rpc().blockNumber() - 1);
        assertThat(v.blockAt(1).number()).isEqualTo(1);
        assertThatThrownBy(() -> v.blockAt(v.blockNumber() + 1)).isInstanceOf(IllegalArgumentException.class);
        // the liar alone would have been believed
        assertThat(new BigInteger(1, read(ChainView.pin(callLiar(), 1)))).isEqualTo(BigInteger.valueOf(99));
    }

    @Test
    void withoutAQuorumTheReadFails() throws Exception {
        QuorumView v = QuorumView.pin(List.of(callLiar(), honest()), 1, 2);
        assertThatThrownBy(() -> read(v)).isInstanceOfSatisfying(RpcException.class,
                e -> assertThat(e.error()).isInstanceOf(RpcError.Disagreement.class));
    }

    @Test
    void aForkedEndpointIsLeftOutAtThePin() throws Exception {
        QuorumView v = QuorumView.pin(List.of(forkLiar(), honest(), honest()), 0, 2);
        assertThat(v.agreeing()).isEqualTo(2);
        assertThat(v.block().hash()).isEqualTo(anvil.rpc().block(BlockRef.number(v.blockNumber())).orElseThrow().hash());
        assertThatThrownBy(() -> QuorumView.pin(List.of(forkLiar(), honest()), 0, 2))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.error()).isInstanceOf(RpcError.Disagreement.class));
    }

    @Test
    void aDownEndpointIsNoVote() throws Exception {
        int port;
        try (var ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        JsonRpcClient down = new JsonRpcClient(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2), 1 << 20);
        assertThat(new BigInteger(1, read(QuorumView.pin(List.of(down, honest(), honest()), 0, 2)))).isEqualTo(BigInteger.valueOf(42));
        assertThatThrownBy(() -> QuorumView.pin(List.of(down, down, honest()), 0, 2))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.error()).isInstanceOf(RpcError.Disagreement.class));
    }

    @Test
    void theQuorumMustBeAStrictMajority() {
        Function<Integer, List<JsonRpcClient>> n = k -> java.util.Collections.nCopies(k, honest());
        assertThatThrownBy(() -> QuorumView.pin(n.apply(2), 0, 1)).hasMessageContaining("strict majority");
        assertThatThrownBy(() -> QuorumView.pin(n.apply(4), 0, 2)).hasMessageContaining("strict majority");
        assertThatThrownBy(() -> QuorumView.pin(n.apply(3), 0, 4)).hasMessageContaining("strict majority");
        assertThatThrownBy(() -> QuorumView.pin(List.of(), 0, 1)).hasMessageContaining("strict majority");
    }
}
