package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode names the cluster in the key-provider boot event, from the measured compose's pin: a compose without
 * one (or with a malformed one) is refused before any socket is served.
 */
class AgentClusterModeCliTest {
    @TempDir
    Path tmp;

    CliRun agent(Path compose) {
        return CliRun.of("agent", "--simulator", "--socket", tmp.resolve("apps.sock").toString(), "--app-compose", compose.toString(),
                "--cluster-keys", tmp.resolve("keys.sock").toString(), "--node-socket", tmp.resolve("node.sock").toString());
    }

    @Test
    void aComposeWithoutAClusterPinIsRefused() throws Exception {
        Path none = Files.writeString(tmp.resolve("plain.json"), "{\"manifest_version\":2,\"name\":\"plain\",\"runner\":\"docker-compose\","
                + "\"docker_compose_file\":\"services: {}\\n\",\"key_provider\":\"none\"}");
        CliRun r = agent(none);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("cluster mode (--cluster-keys) names the cluster in the key-provider boot event")
                .contains("pins none: add \"dstack4j_cluster\"");
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"manifest_version\":2,\"name\":\"bad\",\"runner\":\"docker-compose\","
                + "\"docker_compose_file\":\"services: {}\\n\",\"key_provider\":\"none\",\"dstack4j_cluster\":{\"chain_id\":1,\"contract\":\"0x12\"}}");
        r = agent(bad);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("the cluster contract must be 0x and 40 hex digits");
        assertThat(tmp.resolve("apps.sock")).doesNotExist();
        assertThat(tmp.resolve("node.sock")).doesNotExist();
    }
}
