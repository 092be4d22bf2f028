package org.dstack4j.cluster.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.dstack4j.cluster.binding.ClusterPin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which endpoints a node reads, decided by its measured pin; the host's --rpc only where the compose pins none. */
class NodeChainTest {
    private static final String C = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    /** The RPC deadline: the anvil case reads over it on a possibly loaded machine (2 s was tight there). */
    private static final Duration T = Duration.ofSeconds(10);
    private static final List<URI> PINNED = List.of(URI.create("https://a.example"), URI.create("https://b.example"), URI.create("https://c.example"));

    @TempDir
    Path dir;

    private static ClusterPin pin(String extra) throws Exception {
        return ClusterPin.fromCompose("{\"dstack4j_cluster\":{\"chain_id\":1,\"contract\":\"" + C + "\"" + extra + "}}").orElseThrow();
    }

    private static ClusterPin pinned() throws Exception {
        return pin(",\"rpc\":[\"https://a.example\",\"https://b.example\",\"https://c.example\"]");
    }

    @Test
    void aPinnedListIsReadThroughTheRelayWithThePinnedQuorum() throws Exception {
        try (NodeChain c = NodeChain.open(pinned(), List.of(), Optional.empty(), dir.resolve("relay.sock"), T)) {
            assertThat(c.throughRelay()).isTrue();
            assertThat(c.source().quorum()).isEqualTo(2);
            assertThat(c.source().endpoints()).extracting(e -> e.endpoint())
                    .containsExactly("https://a.example (through the relay)", "https://b.example (through the relay)", "https://c.example (through the relay)");
            assertThat(c.describe()).contains("through the relay").contains("quorum 2");
        }
        // repeating the pinned list (any order) is accepted; the pin is what is read
        try (NodeChain c = NodeChain.open(pinned(), PINNED.reversed(), Optional.of(2), dir.resolve("relay.sock"), T)) {
            assertThat(c.throughRelay()).isTrue();
        }
    }

    @Test
    void aHostGivenRpcThatConflictsWithThePinIsAnError() throws Exception {
        assertThatThrownBy(() -> NodeChain.open(pinned(), List.of(URI.create("https://evil.example")), Optional.empty(), dir.resolve("r.sock"), T))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rpc").hasMessageContaining("conflicts");
        // a provider URL's path or query often carries an API key: the error names the host only
        assertThatThrownBy(() -> NodeChain.open(pinned(), List.of(URI.create("https://rpc.provider.example/v3/s3cr3tkey?token=t0ken")),
                Optional.empty(), dir.resolve("r.sock"), T))
                .hasMessageContaining("https://rpc.provider.example").satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3tkey", "t0ken"));
        assertThatThrownBy(() -> NodeChain.open(pinned(), List.of(), Optional.of(3), dir.resolve("r.sock"), T))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rpc-quorum 3");
    }

    @Test
    void anEndpointServingAnotherChainThanThePinIsRefused() throws Exception {
        try (org.dstack4j.chain.devnet.Anvil anvil = org.dstack4j.chain.devnet.Anvil.start(org.dstack4j.chain.devnet.DevTools.locate().anvil(),
                List.of(), Duration.ofSeconds(20)); NodeChain c = NodeChain.open(pin(""), List.of(anvil.url()), Optional.empty(), dir.resolve("r.sock"), T)) {
            List<String> warnings = new java.util.ArrayList<>();
            c.requireChain(anvil.chainId().longValueExact(), warnings::add);
            assertThat(warnings).isEmpty();
            assertThatThrownBy(() -> c.requireChain(1, warnings::add)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serve chain " + anvil.chainId()).hasMessageContaining("pins chain 1");
        }
    }

    @Test
    void withoutAPinTheDevnetRpcIsReadDirectlyAndSaysSo() throws Exception {
        assertThatThrownBy(() -> NodeChain.open(pin(""), List.of(), Optional.empty(), dir.resolve("r.sock"), T))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pins no RPC endpoints");
        assertThatThrownBy(() -> NodeChain.open(pin(""), PINNED.subList(0, 2), Optional.of(1), dir.resolve("r.sock"), T))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rpc-quorum");
        try (NodeChain c = NodeChain.open(pin(""), PINNED, Optional.empty(), dir.resolve("r.sock"), T)) {
            assertThat(c.throughRelay()).isFalse();
            assertThat(c.source().quorum()).isEqualTo(2);
            assertThat(c.describe()).contains("devnet only");
        }
    }
}
