package org.dstack4j.cluster.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's chain reads through its host relay's tunnel: a real anvil behind the relay's {@code CONNECT}, an https
 * endpoint (a TLS-terminating forwarder on loopback with a test CA the node pins) read with TLS ended in the node, and
 * hostile relays: one that records what it carries (only ciphertext), one that flips a byte in the answers (the read
 * fails, nothing is decided from it), one that connects the tunnel to another host than the one asked for (the
 * certificate check refuses it), and the honest relay refusing targets its operator did not allow.
 */
class RelayTunnelTest {
    private static final Duration T = Duration.ofSeconds(10); // no case waits it out: a bound for a loaded machine
    private static final Relay NO_RELAY = new org.dstack4j.cluster.testing.NoRelay();

    private static Anvil anvil;
    private static AppCa ca;
    private static TlsForwarder provider;
    private static TlsForwarder otherName;
    private static TlsForwarder otherCa;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        ca = AppCa.create(new SeedKdf("relay-tunnel-test-ca"), "CN=TEST ONLY rpc provider CA");
        provider = TlsForwarder.start(ca, List.of("127.0.0.1"), anvil.url());
        otherName = TlsForwarder.start(ca, List.of("rpc.other.test"), anvil.url());
        otherCa = TlsForwarder.start(AppCa.create(new SeedKdf("another-ca"), "CN=TEST ONLY another CA"), List.of("127.0.0.1"), anvil.url());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {provider, otherName, otherCa, anvil}) {
            if (c != null) c.close();
        }
    }

    private static URI https(TlsForwarder f) {
        return URI.create("https://127.0.0.1:" + f.port() + "/");
    }

    private static RelayTunnel.Trust pinned() {
        return new RelayTunnel.PinnedCa(List.of(ca.certificate()));
    }

    @Test
    void aRealAnvilAnswersThroughTheRelaysTunnel() throws Exception {
        Path sock = dir.resolve("relay.sock");
        try (RelayServer relay = RelayServer.start(sock, NO_RELAY, T, Set.of(RelayServer.tunnelTarget(anvil.url())));
                RelayTunnel tunnel = new RelayTunnel(sock, new RelayTunnel.JdkTrust(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            JsonRpcClient rpc = tunnel.rpc(anvil.url());
            assertThat(rpc.chainId()).isEqualTo(anvil.chainId());
            anvil.mine(3);
            assertThat(rpc.blockNumber()).isEqualTo(anvil.rpc().blockNumber());
            assertThat(rpc.endpoint()).endsWith("(through the relay)");
        }
    }

    @Test
    void manyCallsOpeningTunnelsAtOnceAllSucceed() throws Exception {
        // each new tunnel races Jetty's CONNECT write against the relay's fast 200 (WritePendingException, Jetty 12.1):
        // the first write in a fresh tunnel is retried, so none of these fails
        Path sock = dir.resolve("relay.sock");
        try (RelayServer relay = RelayServer.start(sock, NO_RELAY, T, Set.of(RelayServer.tunnelTarget(anvil.url())))) {
            java.math.BigInteger want = anvil.chainId();
            for (int round = 0; round < 10; round++) {
                try (RelayTunnel tunnel = new RelayTunnel(sock, new RelayTunnel.JdkTrust(), Duration.ofSeconds(20), JsonRpcClient.DEFAULT_MAX_RESPONSE);
                        var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    List<java.util.concurrent.Future<java.math.BigInteger>> calls = new java.util.ArrayList<>();
                    for (int i = 0; i < 32; i++) calls.add(pool.submit(() -> tunnel.rpc(anvil.url()).chainId()));
                    for (var c : calls) assertThat(c.get()).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void httpsIsVerifiedInTheNodeAgainstThePinnedCa() throws Exception {
        Path sock = dir.resolve("relay.sock");
        try (RelayServer relay = RelayServer.start(sock, NO_RELAY, T, Set.of(RelayServer.tunnelTarget(https(provider)),
                RelayServer.tunnelTarget(https(otherCa))));
                RelayTunnel tunnel = new RelayTunnel(sock, pinned(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE);
                RelayTunnel jdk = new RelayTunnel(sock, new RelayTunnel.JdkTrust(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            assertThat(tunnel.rpc(https(provider)).chainId()).isEqualTo(anvil.chainId());
            // the test CA is not in the JDK's trust store, and another CA is not the pinned one
            assertTransportFails(() -> jdk.rpc(https(provider)).chainId());
            assertTransportFails(() -> tunnel.rpc(https(otherCa)).chainId());
        }
    }

    @Test
    void theRelayTunnelsOnlyToTheTargetsItsOperatorAllowed() throws Exception {
        Path sock = dir.resolve("relay.sock");
        try (RelayServer relay = RelayServer.start(sock, NO_RELAY, T, Set.of(RelayServer.tunnelTarget(anvil.url())));
                RelayTunnel tunnel = new RelayTunnel(sock, pinned(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            assertThatThrownBy(() -> tunnel.rpc(https(provider)).chainId()).isInstanceOf(RpcException.class)
                    .hasMessageContaining("403");
        }
        Path plain = dir.resolve("plain.sock");
        try (RelayServer relay = RelayServer.start(plain, NO_RELAY, T);
                RelayTunnel tunnel = new RelayTunnel(plain, pinned(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            // a relay started without tunnel targets takes no CONNECT at all
            assertThatThrownBy(() -> tunnel.rpc(anvil.url()).chainId()).isInstanceOf(RpcException.class).hasMessageContaining("405");
        }
        assertThatThrownBy(() -> RelayServer.start(dir.resolve("bad.sock"), NO_RELAY, T, Set.of("no-port")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
    }

    @Test
    void aRelayCarryingHttpsSeesOnlyCiphertext() throws Exception {
        try (HostileTunnel relay = new HostileTunnel(dir.resolve("spy.sock"), Optional.empty(), false);
                RelayTunnel tunnel = new RelayTunnel(dir.resolve("spy.sock"), pinned(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            JsonRpcClient rpc = tunnel.rpc(https(provider));
            assertThat(rpc.chainId()).isEqualTo(anvil.chainId());
            String seen = relay.seen();
            assertThat(seen.length()).isGreaterThan(500);
            assertThat(seen).doesNotContain("eth_chainId").doesNotContain("jsonrpc").doesNotContain("application/json")
                    .doesNotContain("0x7a69");
        }
    }

    @Test
    void aRelayThatFlipsBytesInTheTunnelMakesTheReadFailNotLie() throws Exception {
        try (HostileTunnel relay = new HostileTunnel(dir.resolve("flip.sock"), Optional.empty(), true);
                RelayTunnel tunnel = new RelayTunnel(dir.resolve("flip.sock"), pinned(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            JsonRpcClient rpc = tunnel.rpc(https(provider));
            for (int i = 0; i < 3; i++) assertTransportFails(rpc::blockNumber);
            assertThat(relay.flipped.get()).isPositive();
        }
    }

    @Test
    void aRelayThatConnectsTheTunnelElsewhereIsRefusedByTheCertificateCheck() throws Exception {
        for (TlsForwarder elsewhere : List.of(otherName, otherCa)) {
            Path sock = dir.resolve("redirect-" + elsewhere.port() + ".sock");
            try (HostileTunnel relay = new HostileTunnel(sock, Optional.of(new InetSocketAddress("127.0.0.1", elsewhere.port())), false);
                    RelayTunnel tunnel = new RelayTunnel(sock, pinned(), T, JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
                // the node asked for the provider; the relay connected it to a server that cannot prove to be it
                assertTransportFails(() -> tunnel.rpc(https(provider)).chainId());
                assertThat(relay.seen()).doesNotContain("eth_chainId");
            }
        }
    }

    private interface Call {
        Object run() throws Exception;
    }

    /** The call fails on TLS (handshake or record integrity), as a transport error: no answer to decide from. */
    private static void assertTransportFails(Call call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.error()).isInstanceOf(RpcError.Transport.class);
            assertThat(((RpcError.Transport) e.error()).reason()).containsIgnoringCase("SSL");
        });
    }
}
