package org.dstack4j.launcher.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchListener;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchPlanner;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.StepTimings;
import org.dstack4j.launcher.config.UserConfigFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Steps 1–3 in TOML mode: production's selection rules, the rendered node config, the container spec. */
class TomlPlanTest {
    @TempDir
    Path dir;

    final List<String> log = new ArrayList<>();

    LaunchPlan plan(Workspace w) throws Exception {
        return LaunchPlanner.plan(w.tomlInputs(), new StepTimings(), new LaunchListener() {
            @Override
            public void progress(LaunchStep step, String line) {
                log.add(line);
            }

            @Override
            public void stepDone(LaunchStep step, java.time.Duration took, String summary) {
                log.add(summary);
            }
        });
    }

    @Test
    void newestApprovedDigestIsRenderedIntoTheTeeTable() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.userConfig(Workspace.toml(""));
            LaunchPlan p = plan(w);
            assertThat(p.format()).isEqualTo(UserConfigFormat.TOML);
            assertThat(p.selection().digest()).isEqualTo(Workspace.NEWEST);
            var node = p.toml().orElseThrow().nodeConfig();
            assertThat(node.masked().at("/tee/image_hash").asText()).isEqualTo(Workspace.NEWEST.toString());
            assertThat(node.masked().at("/tee/authority/type").asText()).isEqualTo("local");
            assertThat(node.masked().at("/secrets").asText()).isEqualTo("***");
            assertThat(p.container().env()).isEmpty(); // NONTEE: no DSTACK_ENDPOINT, no MPC_* env
            assertThat(p.container().command()).containsExactly("/app/mpc-node", "start-with-config-file", "/mnt/shared/mpc-config.toml");
            assertThat(p.container().ports()).hasSize(1);
            assertThat(String.join("\n", log)).doesNotContain(Workspace.SECRET_STORE_KEY);
        }
    }

    @Test
    void teeModeGetsTheDstackAuthorityAndOnlyDstackEndpoint() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.tee();
            w.userConfig(Workspace.toml(""));
            LaunchPlan p = plan(w);
            assertThat(p.toml().orElseThrow().nodeConfig().masked().at("/tee/authority/dstack_endpoint").asText())
                    .isEqualTo("/var/run/dstack.sock");
            assertThat(p.container().redactedEnv()).containsExactly("DSTACK_ENDPOINT=/var/run/dstack.sock");
        }
    }

    @Test
    void overrideMustBeApproved() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.userConfig(Workspace.toml("mpc_hash_override = \"" + Workspace.OLDER + "\""));
            assertThat(plan(w).selection().digest()).isEqualTo(Workspace.OLDER);
            w.userConfig(Workspace.toml("mpc_hash_override = \"" + Workspace.NOT_APPROVED + "\""));
            assertThatThrownBy(() -> plan(w)).isInstanceOfSatisfying(InputException.class, e -> {
                assertThat(e.step()).isEqualTo(LaunchStep.SELECTION);
                assertThat(e.input()).isEqualTo("mpc_hash_override");
            });
        }
    }

    @Test
    void absentApprovedFileMeansDefaultDigestAndTheOverrideIsIgnoredAndSaidSo() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.noApprovedFile();
            w.userConfig(Workspace.toml("mpc_hash_override = \"" + Workspace.NOT_APPROVED + "\""));
            LaunchPlan p = plan(w);
            assertThat(p.selection().digest()).isEqualTo(Workspace.DEFAULT);
            assertThat(log).anyMatch(l -> l.contains("mpc_hash_override " + Workspace.NOT_APPROVED + " ignored"));
        }
    }

    @Test
    void defaultDigestNeedsItsPrefixInTomlMode() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.env.put("DEFAULT_IMAGE_DIGEST", Workspace.DEFAULT.bareHex());
            w.userConfig(Workspace.toml(""));
            assertThatThrownBy(() -> plan(w)).isInstanceOfSatisfying(InputException.class, e -> {
                assertThat(e.step()).isEqualTo(LaunchStep.ENVIRONMENT);
                assertThat(e.input()).isEqualTo("DEFAULT_IMAGE_DIGEST");
            });
        }
    }

    @Test
    void teeTableAndGcpInTeeAreRefusedBeforeSelection() throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.tee();
            w.approvedJson("not json"); // would fail at selection: the user-config refusal must come first
            w.userConfig(Workspace.toml("") + "[mpc_node_config.gcp]\nproject_id = \"p\"\n");
            assertThatThrownBy(() -> plan(w)).isInstanceOfSatisfying(InputException.class, e -> {
                assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                assertThat(e.input()).isEqualTo("mpc_node_config.gcp");
            });
            w.userConfig(Workspace.toml("") + "[mpc_node_config.tee]\nimage_hash = \"x\"\n");
            assertThatThrownBy(() -> plan(w)).isInstanceOfSatisfying(InputException.class,
                    e -> assertThat(e.input()).isEqualTo("mpc_node_config.tee"));
        }
    }
}
