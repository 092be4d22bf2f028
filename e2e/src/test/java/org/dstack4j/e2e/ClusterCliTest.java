package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dstack4j cluster}'s help and its refusals of bad input: one line naming the input, never a key. */
class ClusterCliTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void helpTeachesTheFlow() throws Exception {
        Cli.Result r = Cli.run(Map.of(), T, "cluster", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).contains("gov deploy", "host --socket", "node --agent-socket", "--genesis", "gov bootstrap", "status",
                "gov audit-genesis", "audit-join REQUEST_ID");
    }

    @Test
    void theAuditsDocumentTheirInputsAndExitCodes() throws Exception {
        Cli.Result join = Cli.run(Map.of(), T, "cluster", "audit-join", "--help");
        assertThat(join.exit()).isZero();
        // picocli wraps the help text: compare with the line breaks folded
        assertThat(join.stdout().replaceAll("\\s+", " ")).contains("--collateral", "--pccs", "--allow-test-root", "--from-block", "--output", "request block",
                "0 onboarded", "3 rejected", "4 the chain's", "5 no answer", "6 a check could not run");
        Cli.Result genesis = Cli.run(Map.of(), T, "cluster", "gov", "audit-genesis", "--help");
        assertThat(genesis.exit()).isZero();
        assertThat(genesis.stdout().replaceAll("\\s+", " ")).contains("--genesis-id", "--collateral", "before 'gov bootstrap'", "5 not bootstrapped");
    }

    @Test
    void anAuditRefusesBadInputBeforeReadingTheChain() throws Exception {
        String[] chain = {"--rpc", "http://127.0.0.1:9", "--contract", "0x" + "11".repeat(20)};
        Cli.Result zero = Cli.run(Map.of(), T, concat(new String[] {"cluster", "audit-join", "0"}, chain));
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.stderr()).contains("REQUEST_ID must be a positive id");
        Cli.Result both = Cli.run(Map.of(), T, concat(new String[] {"cluster", "audit-join", "1", "--collateral", "c.json", "--pccs",
                "http://127.0.0.1:9"}, chain));
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.stderr()).contains("give one of --collateral, --pccs");
        Path bad = dir.resolve("collateral.json");
        Files.writeString(bad, "{}");
        Cli.Result collateral = Cli.run(Map.of(), T, concat(new String[] {"cluster", "gov", "audit-genesis", "--collateral", bad.toString()}, chain));
        assertThat(collateral.exit()).isEqualTo(2);
        assertThat(collateral.stderr()).contains("--collateral " + bad, "dcap-qvl collateral JSON");
        Cli.Result down = Cli.run(Map.of(), T, concat(new String[] {"cluster", "audit-join", "1"}, chain));
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.stderr()).startsWith("dstack4j: ").doesNotContain("\tat ");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aGovernorWithoutAKeyIsToldWhereToPutIt() throws Exception {
        Cli.Result r = Cli.run(Map.of(), T, "cluster", "gov", "deploy", "--rpc", "http://127.0.0.1:9");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).contains("--key-file", "DSTACK4J_GOV_KEY");
    }

    @Test
    void aMalformedKeyFileIsNamedButNeverShown() throws Exception {
        Path key = dir.resolve("gov.key");
        Files.writeString(key, "not-a-key-but-secret-material-0123456789");
        Cli.Result r = Cli.run(Map.of(), T, "cluster", "gov", "deploy", "--rpc", "http://127.0.0.1:9", "--key-file", key.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).contains(key.toString(), "32-byte hex private key").doesNotContain("secret-material");
    }

    @Test
    void aBadContractAddressAndAnUnreachableChainAreOneLineErrors() throws Exception {
        Cli.Result bad = Cli.run(Map.of(), T, "cluster", "status", "--rpc", "http://127.0.0.1:9", "--contract", "0x12");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.stderr()).contains("--contract");
        Cli.Result down = Cli.run(Map.of(), T, "cluster", "status", "--rpc", "http://127.0.0.1:9", "--contract", "0x" + "11".repeat(20));
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.stderr()).startsWith("dstack4j: ").doesNotContain("\tat ");
    }

    @Test
    void onlyTheNodeReadsSeveralRpcEndpoints() throws Exception {
        Cli.Result r = Cli.run(Map.of(), T, "cluster", "status", "--rpc", "http://127.0.0.1:9", "--rpc", "http://127.0.0.1:10",
                "--contract", "0x" + "11".repeat(20));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).contains("--rpc given 2 times");
        Cli.Result help = Cli.run(Map.of(), T, "cluster", "node", "--help");
        assertThat(help.stdout()).contains("--rpc-quorum", "quorum");
    }
}
