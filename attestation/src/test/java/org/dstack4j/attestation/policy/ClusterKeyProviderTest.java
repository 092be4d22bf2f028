package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The cluster key provider keeps dstack's {@code {"name","id"}} payload and round-trips through its generic reader. */
class ClusterKeyProviderTest {
    static final String CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

    @Test
    void itsPayloadIsDstacksShapeAndReadsBack() {
        ClusterKeyProvider c = new ClusterKeyProvider(31337, CONTRACT.toUpperCase().replace("0X", "0x"));
        assertThat(c.contract()).isEqualTo(CONTRACT);
        assertThat(c.payloadJson()).isEqualTo("{\"name\":\"dstack4j-cluster\",\"id\":\"eip155:31337:" + CONTRACT + "\"}");
        KeyProvider kp = KeyProvider.fromPayload(c.payloadJson().getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(kp).isEqualTo(c.keyProvider());
        assertThat(ClusterKeyProvider.of(kp)).contains(c);
        assertThat(ClusterKeyProvider.of(new KeyProvider("local-sgx", "ab".repeat(32)))).isEmpty();
        assertThat(ClusterKeyProvider.of(new KeyProvider("kms", "02" + "ab".repeat(32)))).isEmpty();
    }

    @Test
    void aMalformedClusterIdIsRefused() {
        for (String id : new String[] {"", "31337:" + CONTRACT, "eip155:0:" + CONTRACT, "eip155:-1:" + CONTRACT, "eip155:01:" + CONTRACT,
                "eip155:1:" + CONTRACT.toUpperCase(), "eip155:1:" + CONTRACT + "00", "eip155:1:" + CONTRACT.substring(2),
                "eip155:99999999999999999999:" + CONTRACT, "eip155:1:" + CONTRACT + " "}) {
            assertThatThrownBy(() -> ClusterKeyProvider.of(new KeyProvider("dstack4j-cluster", id))).as(id)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dstack4j-cluster");
        }
        assertThatThrownBy(() -> new ClusterKeyProvider(0, CONTRACT)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new ClusterKeyProvider(1, "0x12")).hasMessageContaining("40 hex digits");
    }

    @Test
    void theClusterComesFromTheComposesPin() {
        byte[] compose = ("{\"name\":\"n\",\"dstack4j_cluster\":{\"chain_id\":31337,\"contract\":\"" + CONTRACT + "\",\"allow_test_root\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(ClusterKeyProvider.fromAppCompose(compose)).contains(new ClusterKeyProvider(31337, CONTRACT));
        assertThat(ClusterKeyProvider.fromAppCompose("{\"name\":\"n\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThatThrownBy(() -> ClusterKeyProvider.fromAppCompose("{\"dstack4j_cluster\":{\"chain_id\":\"1\",\"contract\":\"x\"}}"
                .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("dstack4j_cluster needs chain_id");
    }
}
