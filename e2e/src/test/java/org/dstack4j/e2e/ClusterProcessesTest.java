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
 * The cluster with every party a separate process, through the CLI only ({@code scripts/demo cluster}): a real
 * anvil (pinned npm package), the compiled contract deployed by {@code cluster gov deploy}, simulator agents on unix
 * sockets sharing one test PKI, a {@code cluster host} relay per CVM with its own gas key, {@code cluster node}
 * daemons. Genesis + 3 joins, where the member ranked first for the third request is killed before it is made; then,
 * whoever that was, a joiner's node restarts and rejoins and the genesis CVM is redeployed on the joiners' compose; the
 * governor removes the restarted joiner and its next request is refused; one CVM with an MRTD the policy does not allow; then {@code gov audit-genesis} and {@code audit-join} on an onboarded and the refused request, and
 * again after a policy change.
 */
class ClusterProcessesTest {
    @TempDir
    Path dir;

    @Test
    void genesisThreeJoinsAFallbackResponderAndARefusedMeasurement() throws Exception {
        Path script = Path.of("..", "scripts", "lib", "demo-cluster.sh").toAbsolutePath().normalize();
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(List.of("bash", script.toString(), "--joins", "3", "--faults"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("demo cluster did not end in 8 minutes:\n" + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(stderr).isZero();
        List<String> lines = stdout.lines().toList();
        JsonNode s = new ObjectMapper().readTree(lines.getLast());
        // genesis + 3 joins, each re-deriving the contract's signer and encryption key; one member removed at the end
        assertThat(s.path("members").asInt()).isEqualTo(3);
        assertThat(s.path("same_cluster_keys").asBoolean()).isTrue();
        assertThat(s.path("join_ms")).hasSize(3);
        // the first responder of the last request was killed: the next one answered after the 5 s fallback delay
        assertThat(s.path("killed_responder").asText()).isNotEmpty();
        assertThat(s.path("join_ms").get(2).asLong()).isGreaterThanOrEqualTo(5_000);
        // who ranked first depends on the random cluster keys, so both recoveries run in every run: a joiner's node (the
        // killed one, else node1) restarted and joined again as the same node; the genesis CVM (it cannot join on its own
        // compose) was removed and redeployed on the joiners' compose as a new node; the restarted joiner, removed by the
        // governor, had its next request refused
        String killed = s.path("killed_responder").asText();
        assertThat(s.path("restarted").asText()).isEqualTo(killed.equals("genesis") ? "node1" : killed);
        assertThat(s.path("rejoined").asBoolean()).isTrue();
        assertThat(s.path("genesis_redeployed").asBoolean()).isTrue();
        assertThat(s.path("removed_member_refused").asBoolean()).isTrue();
        // refused on chain with the check's name
        assertThat(s.path("refused")).hasSize(1);
        assertThat(s.path("refused").get(0).path("check").asText()).isEqualTo("measurement");
        // the status the governor sees names the same refusal
        assertThat(stderr).contains("\"check\": \"measurement\"");
        // anyone's audits from chain data (exit codes of the CLI): the genesis passes before bootstrap (5: ready) and
        // after (0); an onboarded request passes (0); the refused one fails the check the chain names (3); the onboarded
        // one still passes after the governor removed its values, because the policy is the one of its request block
        JsonNode audit = s.path("audit");
        assertThat(audit.path("genesis_before_bootstrap").asInt()).isEqualTo(5);
        assertThat(audit.path("genesis").asInt()).isZero();
        assertThat(audit.path("onboarded").asInt()).isZero();
        assertThat(audit.path("refused").asInt()).isEqualTo(3);
        assertThat(audit.path("refused_check").asText()).isEqualTo("measurement");
        assertThat(audit.path("onboarded_after_policy_change").asInt()).isZero();
        // status: approved images newest first; a proposal not yet applied, with whether its time lock has passed
        assertThat(s.path("approved_images").toString()).isEqualTo("[\"0x" + "22".repeat(32) + "\",\"0x" + "11".repeat(32) + "\"]");
        assertThat(s.path("proposed")).singleElement().satisfies(prop -> {
            assertThat(prop.path("kind").asText()).isEqualTo("image");
            assertThat(prop.path("value").asText()).isEqualTo("0x" + "33".repeat(32));
            assertThat(prop.path("applicable").asBoolean()).isTrue(); // the demo's policy delay is 0
        });
    }
}
