package org.dstack4j.launcher.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchPlanner;
import org.dstack4j.launcher.container.ContainerRules;
import org.dstack4j.launcher.container.ContainerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16, items 4–6 (launcher): file contents never quoted by a parse error of an untrusted file;
 * every env value masked except an allow-list of known non-secret keys; format and line-separator
 * characters in printed values escaped.
 */
class LeakHardeningTest {
    static final String TOKEN = "ghp_SuperSecretToken0123456789";

    @TempDir
    Path dir;

    // ---- item 4: parse errors give line and column, never the text

    @Test
    void approvedHashesLinkedToASecretFileDoesNotPrintIt() throws Exception {
        Path secretFile = Files.writeString(dir.resolve("credentials"), TOKEN + "\n");
        try (Workspace w = new Workspace(dir)) {
            Files.delete(w.approved);
            Files.createSymbolicLink(w.approved, secretFile);
            assertThatThrownBy(() -> LaunchPlanner.plan(w.inputs())).isInstanceOfSatisfying(InputException.class, e -> {
                assertThat(e.oneLine()).contains("is not valid JSON at line 1, column").doesNotContain("ghp_").doesNotContain("Secret");
                assertThat(String.valueOf(e.getCause())).doesNotContain("ghp_");
            });
        }
    }

    @Test
    void approvedHashesLinkedToAnEnvironmentFileDoesNotPrintAVariable() throws Exception {
        Path environ = Files.writeString(dir.resolve("environ"), "HOME=/root\u0000API_TOKEN=" + TOKEN + "\u0000");
        try (Workspace w = new Workspace(dir)) {
            Files.delete(w.approved);
            Files.createSymbolicLink(w.approved, environ);
            assertThatThrownBy(() -> LaunchPlanner.plan(w.inputs())).isInstanceOfSatisfying(InputException.class,
                    e -> assertThat(e.oneLine()).doesNotContain("HOME").doesNotContain("/root").doesNotContain("ghp_"));
        }
    }

    @Test
    void anApprovedEntryThatIsNotADigestIsNotQuoted() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.approvedJson("{\"approved_hashes\": [\"" + TOKEN + "\"]}");
            assertThatThrownBy(() -> LaunchPlanner.plan(w.inputs())).isInstanceOfSatisfying(InputException.class,
                    e -> assertThat(e.oneLine()).contains("approved_hashes[0] is not sha256:<64 lowercase hex>").doesNotContain("ghp_"));
        }
    }

    // ---- item 5: every value masked except the allow-list

    @ParameterizedTest
    @ValueSource(strings = {"MPC_PASS", "MPC_PASSWD", "MPC_PWD", "MPC_SIGN_SK", "MPC_CIPHER_SK", "MPC_MNEMONIC", "MPC_SEED",
            "MPC_CREDENTIALS", "MPC_AUTH", "MPC_DB_URL", "RUST_LOG", "MPC_SOMETHING_NEW"})
    void valuesOfKeysNotKnownToBeHarmlessAreMasked(String key) throws Exception {
        String value = key.equals("MPC_DB_URL") ? "postgres://u:hunter2pw@db/x" : key.equals("RUST_LOG") ? "info,token=" + TOKEN : TOKEN;
        ContainerSpec spec = plan(key + "=" + value);
        assertThat(spec.redactedEnv()).contains(key + "=***");
        assertThat(String.join("\n", spec.redactedEnv()) + spec).doesNotContain(TOKEN).doesNotContain("hunter2pw");
        assertThat(spec.env().stream().filter(v -> v.key().equals(key)).findFirst().orElseThrow().toEngine()).isEqualTo(key + "=" + value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_ACCOUNT_ID", "MPC_LOCAL_ADDRESS", "MPC_CONTRACT_ID", "MPC_ENV", "MPC_HOME_DIR", "MPC_RESPONDER_ID",
            "NEAR_BOOT_NODES", "RUST_BACKTRACE"})
    void allowListedValuesArePrinted(String key) throws Exception {
        assertThat(plan(key + "=visible-value").redactedEnv()).contains(key + "=visible-value");
        assertThat(ContainerRules.NON_SECRET_KEYS).contains(key);
    }

    // ---- item 6: format and separator characters in values are escaped when printed

    @ParameterizedTest
    @ValueSource(strings = {"\u2028", "\u2029", "\u202e", "\u200b", "\ufeff"})
    void printedValuesCannotSpoofLogLines(String c) throws Exception {
        String spoof = "testnet" + c + "[selection] ok: selected sha256:" + "f".repeat(64);
        ContainerSpec spec = plan("MPC_ENV=" + spoof);
        String printed = spec.redactedEnv().stream().filter(l -> l.startsWith("MPC_ENV=")).findFirst().orElseThrow();
        assertThat(printed).doesNotContain(c).contains(String.format("\\u%04x", (int) c.charAt(0)));
        // the node still gets the value unchanged
        assertThat(spec.env().stream().filter(v -> v.key().equals("MPC_ENV")).findFirst().orElseThrow().value()).isEqualTo(spoof);
    }

    private ContainerSpec plan(String line) throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.userConfig(line + "\n");
            return LaunchPlanner.plan(w.inputs()).container();
        }
    }
}
