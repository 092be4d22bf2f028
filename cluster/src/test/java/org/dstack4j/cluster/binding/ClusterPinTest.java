package org.dstack4j.cluster.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.dstack4j.chain.Address;
import org.junit.jupiter.api.Test;

class ClusterPinTest {
    private static final String C = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private static final String S = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    private static final String K = "0x" + "0b".repeat(32);

    private static String compose(String pin) {
        return "{\"name\":\"n\",\"dstack4j_cluster\":" + pin + "}";
    }

    @Test
    void readsAJoinersAndAGenesisPin() throws Exception {
        ClusterPin p = ClusterPin.fromCompose(compose("{\"chain_id\":31337,\"contract\":\"" + C + "\",\"signer\":\"" + S
                + "\",\"enc_key\":\"" + K + "\",\"allow_test_root\":true}")).orElseThrow();
        assertThat(p.cluster()).isEqualTo(new ClusterRef(31337, Address.parse(C)));
        assertThat(p.keys().orElseThrow().signer()).isEqualTo(Address.parse(S));
        assertThat(p.allowTestRoot()).isTrue();
        ClusterPin g = ClusterPin.fromCompose(compose("{\"chain_id\":1,\"contract\":\"" + C + "\"}")).orElseThrow();
        assertThat(g.keys()).isEmpty();
        assertThat(g.allowTestRoot()).isFalse();
        assertThat(ClusterPin.fromCompose("{\"name\":\"n\"}")).isEmpty();
    }

    @Test
    void malformedPinsNameTheField() {
        String base = "\"chain_id\":1,\"contract\":\"" + C + "\"";
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"signer\":\"" + S + "\"}")))
                .hasMessageContaining("come together");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"signer\":\"" + S + "\",\"enc_key\":\"0x0b\"}")))
                .hasMessageContaining("enc_key");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{\"chain_id\":-1,\"contract\":\"" + C + "\"}"))).hasMessageContaining("chain_id");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{\"chain_id\":1,\"contract\":\"0x12\"}"))).hasMessageContaining("contract");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"allow_test_root\":\"yes\"}"))).hasMessageContaining("allow_test_root");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":\"x\"}"))).hasMessageContaining("rpc");
        // a repeated key could show one value to one parser and another to the next
        assertThatThrownBy(() -> ClusterPin.fromCompose("{\"dstack4j_cluster\":{" + base + "},\"dstack4j_cluster\":{}}"))
                .hasMessageContaining("repeats a key");
    }

    @Test
    void readsThePinnedRpcEndpointsAndQuorum() throws Exception {
        String base = "\"chain_id\":1,\"contract\":\"" + C + "\"";
        ClusterPin none = ClusterPin.fromCompose(compose("{" + base + "}")).orElseThrow();
        assertThat(none.rpc()).isEmpty();
        ClusterPin three = ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://a.example\",\"https://b.example/v1\","
                + "\"https://c.example:8545\"]}")).orElseThrow();
        assertThat(three.rpc().orElseThrow().endpoints()).hasSize(3);
        assertThat(three.rpc().orElseThrow().quorum()).isEqualTo(2); // the smallest strict majority by default
        assertThat(three.rpc().orElseThrow().caPem()).isEmpty();
        ClusterPin all = ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://a.example\",\"https://b.example\","
                + "\"https://c.example\"],\"rpc_quorum\":3}")).orElseThrow();
        assertThat(all.rpc().orElseThrow().quorum()).isEqualTo(3);
        // plain http only in a devnet pin (one that allows test roots)
        ClusterPin dev = ClusterPin.fromCompose(compose("{" + base + ",\"allow_test_root\":true,\"rpc\":[\"http://127.0.0.1:8545\"]}")).orElseThrow();
        assertThat(dev.rpc().orElseThrow().endpoints().getFirst().getPort()).isEqualTo(8545);
    }

    @Test
    void malformedRpcPinsNameTheField() {
        String base = "\"chain_id\":1,\"contract\":\"" + C + "\"";
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"http://rpc.example\"]}")))
                .hasMessageContaining("plain http");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[]}"))).hasMessageContaining(".rpc must be a list");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"ftp://a.example\"]}"))).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://u:p@a.example\"]}"))).hasMessageContaining("user info");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://a.example\",\"https://a.example:443/x\"]}")))
                .hasMessageContaining("twice");
        // the same host in another case or with the root's trailing dot is not an independent endpoint
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://a.example\",\"https://b.example\",\"https://A.Example.\"]}")))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://RPC.example:8443\",\"https://rpc.EXAMPLE:8443\"]}")))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://a.example\",\"https://b.example\"],\"rpc_quorum\":1}")))
                .hasMessageContaining("strict majority");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc_quorum\":1}"))).hasMessageContaining("need dstack4j_cluster.rpc");
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{" + base + ",\"rpc\":[\"https://a.example\"],\"rpc_ca\":\"not pem\"}")))
                .hasMessageContaining("rpc_ca");
    }

    private static String pem() throws Exception {
        var ca = org.dstack4j.agent.pki.AppCa.create(new org.dstack4j.agent.pki.SeedKdf("cluster-pin-test"), "CN=TEST ONLY acme root");
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(ca.certificate().getEncoded());
        return "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
    }

    private static String tls(String fields) {
        return "{\"chain_id\":1,\"contract\":\"" + C + "\",\"tls\":{" + fields + "}}";
    }

    @Test
    void readsThePinnedTlsSite() throws Exception {
        String root = com.fasterxml.jackson.databind.node.TextNode.valueOf(pem()).toString();
        ClusterPin p = ClusterPin.fromCompose(compose(tls("\"domain\":\"app.example.org\",\"acme_directory\":\"https://acme.example/dir\","
                + "\"acme_root\":" + root + ",\"upstream\":\"http://app:8080\""))).orElseThrow();
        ClusterPin.TlsPin t = p.tls().orElseThrow();
        assertThat(t.domain()).isEqualTo("app.example.org");
        assertThat(t.acmeDirectory()).hasToString("https://acme.example/dir");
        assertThat(t.acmeRootPem()).isEqualTo(pem());
        assertThat(t.upstream()).contains(java.net.URI.create("http://app:8080"));
        ClusterPin without = ClusterPin.fromCompose(compose(tls("\"domain\":\"app.example.org\",\"acme_directory\":\"https://acme.example/dir\","
                + "\"acme_root\":" + root))).orElseThrow();
        assertThat(without.tls().orElseThrow().upstream()).isEmpty();
        assertThat(ClusterPin.fromCompose(compose("{\"chain_id\":1,\"contract\":\"" + C + "\"}")).orElseThrow().tls()).isEmpty();
    }

    @Test
    void aMalformedTlsPinNamesItsField() throws Exception {
        String root = com.fasterxml.jackson.databind.node.TextNode.valueOf(pem()).toString();
        String dir = "\"acme_directory\":\"https://acme.example/dir\"";
        String good = "\"domain\":\"app.example.org\"," + dir + ",\"acme_root\":" + root;
        String[][] cases = {
            {"\"domain\":\"App.Example.org\"," + dir + ",\"acme_root\":" + root, "tls.domain must be a lower-case DNS name"},
            {"\"domain\":\"localhost\"," + dir + ",\"acme_root\":" + root, "tls.domain must be a lower-case DNS name"},
            {"\"domain\":\"app.example.org.\"," + dir + ",\"acme_root\":" + root, "tls.domain must be a lower-case DNS name"},
            {"\"domain\":\"app.example.org\",\"acme_directory\":\"http://acme.example/dir\",\"acme_root\":" + root,
                "tls.acme_directory must be a https URL"},
            {"\"domain\":\"app.example.org\"," + dir + ",\"acme_root\":\"not pem\"", "tls.acme_root must hold PEM"},
            {"\"domain\":\"app.example.org\"," + dir, "tls.acme_root must hold PEM"},
            {good + ",\"upstream\":\"https://app:8443\"", "tls.upstream must be a http URL"},
            {good + ",\"listen\":\"0.0.0.0:443\"", "tls.listen is not a known field"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> ClusterPin.fromCompose(compose(tls(c[0])))).as(c[0]).hasMessageContaining("dstack4j_cluster." + c[1]);
        }
        assertThatThrownBy(() -> ClusterPin.fromCompose(compose("{\"chain_id\":1,\"contract\":\"" + C + "\",\"tls\":\"app.example.org\"}")))
                .hasMessageContaining("dstack4j_cluster.tls must be an object");
    }
}
