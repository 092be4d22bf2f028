package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents in cluster mode with every party a separate process ({@code scripts/demo cluster --apps}): anvil, the
 * contract, relays, node daemons serving {@code --app-socket}, agents with {@code --cluster-keys}. The official JS SDK
 * ({@code @phala/dstack-sdk}, e2e/js) asks two members' agents for the same key path and gets the same key, its
 * signature chain ending in the contract's cluster signer; a ClusterAttest answer verifies on chain with
 * {@code cast call verifyAttestation}; the agent of a CVM refused by the cluster answers GetKey with a clear error.
 */
class ClusterAppsProcessesTest {
    @TempDir
    Path dir;

    @Test
    void membersShareAppKeysThroughTheOfficialJsSdkAndANonMemberIsRefused() throws Exception {
        Path js = Path.of("js").toAbsolutePath();
        if (!Files.isDirectory(js.resolve("node_modules"))) {
            Process npm = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund")).directory(js.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("npm.log").toFile()).start();
            assertThat(npm.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(npm.exitValue()).as(Files.readString(dir.resolve("npm.log"))).isZero();
        }
        Path script = Path.of("..", "scripts", "lib", "demo-cluster.sh").toAbsolutePath().normalize();
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(List.of("bash", script.toString(), "--joins", "2", "--apps"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(6, TimeUnit.MINUTES)) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("demo cluster --apps did not end in 6 minutes:\n" + Files.readString(err));
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(stderr).isZero();
        JsonNode s = new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8).lines().toList().getLast());
        assertThat(s.path("members").asInt()).isEqualTo(3);
        assertThat(s.path("app_keys_client").asText()).isEqualTo("@phala/dstack-sdk");
        assertThat(s.path("app_keys_equal").asBoolean()).as(s.toString()).isTrue();
        assertThat(s.path("attestation_verified").asBoolean()).as(s.toString()).isTrue();
        assertThat(s.path("non_member_refused").asText()).contains("cluster keys unavailable").contains("mallory.keys.sock");
        assertThat(s.path("non_member_sdk_error").asText()).as("the JS SDK's getKey failed on the non-member").isNotEmpty();
        assertThat(s.path("refused").get(0).path("check").asText()).isEqualTo("measurement");
    }
}
