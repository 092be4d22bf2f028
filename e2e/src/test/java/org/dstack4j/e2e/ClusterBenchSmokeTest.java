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
 * {@code bench/cluster --smoke} so the benchmark cannot rot: anvil (automine), the contract, a genesis node, a newcomer
 * that joins twice after its warm-up join (every party its own process), and the member-side check rate on the last
 * request. Asserts the shape and sanity of the figures, not their size (CI machines differ): the target verdict is the
 * benchmark's to print, so exit 1 (target not met) is accepted, a setup failure (2) is not.
 */
class ClusterBenchSmokeTest {
    @TempDir
    Path dir;

    @Test
    void theSmokeRunJoinsTwiceAndTimesTheChecks() throws Exception {
        Path script = Path.of("..", "bench", "cluster").toAbsolutePath().normalize();
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(List.of("bash", script.toString(), "--smoke")).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("bench/cluster --smoke did not end in 5 minutes:\n" + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(stderr).isIn(0, 1);
        assertThat(stdout).contains("p50_ms", "p95_ms", "verifications/s", "target (3 blocks + 1 s per join, p95): ");
        JsonNode s = new ObjectMapper().readTree(stdout.lines().toList().getLast());
        assertThat(s.path("joins").asInt()).isEqualTo(2);
        JsonNode mode = s.path("modes").get(0);
        assertThat(mode.path("chain").asText()).isEqualTo("automine");
        assertThat(mode.path("join_ms")).hasSize(2);
        mode.path("join_ms").forEach(ms -> assertThat(ms.asLong()).isPositive());
        assertThat(mode.path("p50_ms").asLong()).isPositive().isLessThanOrEqualTo(mode.path("p95_ms").asLong());
        // automine: a block for requestJoin and one for onboard
        assertThat(mode.path("blocks").asInt()).isEqualTo(2);
        assertThat(mode.path("met").asBoolean()).isEqualTo(p.exitValue() == 0);
        assertThat(s.path("verify").path("memory_per_s").asDouble()).isPositive();
        assertThat(s.path("verify").path("rpc_per_s").asDouble()).isPositive();
    }
}
