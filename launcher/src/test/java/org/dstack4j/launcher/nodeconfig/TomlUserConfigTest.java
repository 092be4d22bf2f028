package org.dstack4j.launcher.nodeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.registry.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The production TOML user_config: field names, defaults, validation; the operator template as real input. */
class TomlUserConfigTest {
    static final Path SOURCE = Path.of("/tapp/user_config");

    static Path fixture() {
        String env = System.getenv("DSTACK4J_FIXTURES");
        Path base = env != null ? Path.of(env) : Path.of("..", "fixtures").toAbsolutePath().normalize();
        return base.resolve("launcher-2026/user-config.toml");
    }

    static TomlUserConfig parse(String toml) throws InputException {
        TomlText.Result r = TomlText.read(toml);
        assertThat(r).isInstanceOf(TomlText.Parsed.class);
        return TomlUserConfig.from(((TomlText.Parsed) r).root(), SOURCE);
    }

    static String launcher(String body) {
        return "[launcher_config]\n" + body + "\n[mpc_node_config]\nhome_dir = \"/data\"\n";
    }

    @Test
    void operatorTemplateParsesWithProductionDefaults() throws Exception {
        TomlUserConfig c = parse(Files.readString(fixture()));
        assertThat(c.image()).isEqualTo(new ImageReference("registry.hub.docker.com", "nearone/mpc-node", List.of("latest")));
        assertThat(c.ports()).containsExactly(new PortMapping(80, 80), new PortMapping(8080, 8080), new PortMapping(8079, 8079),
                new PortMapping(3030, 3030), new PortMapping(24567, 24567));
        assertThat(c.hashOverride()).isEmpty();
        assertThat(c.pull()).isEqualTo(new PullRetry(5, Duration.ofSeconds(2), Duration.ofSeconds(60)));
        ObjectNode node = c.nodeConfig();
        assertThat(node.at("/node/indexer/mpc_contract_id").asText()).isEqualTo("v1.signer-prod.testnet");
        assertThat(node.at("/pccs_endpoints/0/url").asText()).isEqualTo("https://pccs.phala.network/");
        assertThat(node.at("/node/foreign_chains/sui/providers/quicknode/auth/token/val").asText()).isEqualTo("YOUR_QUICKNODE_API_KEY");
    }

    @Test
    void everyLauncherKeyIsRead() throws Exception {
        TomlUserConfig c = parse(launcher("""
                image_reference = "ghcr.io:5000/nearone/mpc-node:3.8.1"
                mpc_hash_override = "sha256:%s"
                port_mappings = []
                pull_max_retries = 0
                pull_retry_interval_secs = 7
                pull_max_delay_secs = 9
                """.formatted("a".repeat(64))));
        assertThat(c.image()).isEqualTo(new ImageReference("ghcr.io:5000", "nearone/mpc-node", List.of("3.8.1")));
        assertThat(c.hashOverride().orElseThrow().bareHex()).isEqualTo("a".repeat(64));
        assertThat(c.ports()).isEmpty();
        assertThat(c.pull()).isEqualTo(new PullRetry(0, Duration.ofSeconds(7), Duration.ofSeconds(9)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nearone/mpc-node", "nearone/mpc-node:3.8.1", "nearone/mpc-node:testnet-release", "ghcr.io/nearone/mpc-node",
            "public.ecr.aws/myalias/mpc-node", "us-docker.pkg.dev/my-project/my-repo/mpc-node", "registry.example.com:5000/myproject/mpc-node:v1.0",
            "ubuntu", "library/alpine", "ghcr.io/org/team/subproject/image", "my_org/my_image", "localhost/x", "127.0.0.1:5000/e2e/node"})
    void acceptsProductionImageReferences(String ref) throws Exception {
        assertThat(ImageReferenceText.parse(ref).name()).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nearone/mpc-node:", "nearone/", "nearone/mpc-node.", "nearone//mpc-node", "nearone/mpc-node::tag",
            "nearone/mpc-node:.tag", ".hidden/image", "/nearone/mpc-node", ":latest", "nearone/mpc node", "nearone/mpc-node\nevil: true",
            "nearone/mpc-node\"; evil", "nearone/mpc-node; rm -rf /", "nearone/`whoami`", "nearone/${USER}", "nearone\\mpc-node",
            "nearone/mpc-node@sha256:aaaa", "NearOne/MPC", "ghcr.io:99999/x", "a/b:-tag"})
    void rejectsBadImageReferences(String ref) {
        assertThatThrownBy(() -> ImageReferenceText.parse(ref))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.input()).isEqualTo("image_reference");
                    assertThat(e.oneLine()).doesNotContain("\n");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "port_mappings = [{ host = 0, container = 80 }]|port_mappings[0].host",
            "port_mappings = [{ host = 80, container = 65536 }]|port_mappings[0].container",
            "port_mappings = [{ host = 80 }]|port_mappings[0]",
            "port_mappings = [{ host = 80, container = 80, proto = 'udp' }]|port_mappings[0]",
            "port_mappings = [{ host = '80', container = 80 }]|port_mappings[0].host",
            "port_mappings = [{ host = 80, container = 80 }, { host = 80, container = 81 }]|port_mappings[1]",
            "port_mappings = '80:80'|port_mappings",
            "port_mappings = []\\npull_max_retries = -1|pull_max_retries",
            "port_mappings = []\\npull_max_retries = 101|pull_max_retries",
            "port_mappings = []\\npull_retry_interval_secs = 1.5|pull_retry_interval_secs",
            "port_mappings = []\\npull_max_delay_secs = 99999|pull_max_delay_secs",
            "port_mappings = []\\nmpc_hash_override = 'sha256:XYZ'|mpc_hash_override",
            "port_mappings = []\\nmpc_hash_overide = 'typo'|mpc_hash_overide"})
    void rejectsBadLauncherValues(String body, String input) {
        String toml = launcher("image_reference = \"nearone/mpc-node\"\n" + body.replace("\\n", "\n"));
        assertThatThrownBy(() -> parse(toml)).isInstanceOfSatisfying(InputException.class, e -> {
            assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
            assertThat(e.input()).isEqualTo(input);
        });
    }

    @Test
    void theOverrideIsReadInEitherHexCaseAsProductionDoesButNeedsTheExactPrefix() throws Exception {
        String hex = "0123456789abcdef".repeat(4);
        TomlUserConfig c = parse(launcher("image_reference = \"nearone/mpc-node\"\nport_mappings = []\nmpc_hash_override = \"sha256:"
                + hex.toUpperCase(java.util.Locale.ROOT) + "\""));
        assertThat(c.hashOverride().orElseThrow().bareHex()).isEqualTo(hex);
        assertThatThrownBy(() -> parse(launcher("image_reference = \"nearone/mpc-node\"\nport_mappings = []\nmpc_hash_override = \"SHA256:"
                + hex + "\""))).isInstanceOfSatisfying(InputException.class, e -> assertThat(e.input()).isEqualTo("mpc_hash_override"));
    }

    @Test
    void missingTablesAndKeysAreNamed() {
        assertThatThrownBy(() -> parse("[mpc_node_config]\n")).hasMessageContaining("[launcher_config]");
        assertThatThrownBy(() -> parse("[launcher_config]\nimage_reference = \"a\"\nport_mappings = []\n"))
                .hasMessageContaining("[mpc_node_config]");
        assertThatThrownBy(() -> parse(launcher("port_mappings = []"))).hasMessageContaining("image_reference");
        assertThatThrownBy(() -> parse(launcher("image_reference = \"a\""))).hasMessageContaining("port_mappings");
        assertThatThrownBy(() -> parse(launcher("image_reference = \"a\"\nport_mappings = []") + "[tee]\nx = 1\n"))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.input()).isEqualTo("tee"));
    }

    @Test
    void pullRetryBacksOffByHalfAgainUpToTheCap() {
        PullRetry r = new PullRetry(5, Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertThat(List.of(r.delayBefore(1), r.delayBefore(2), r.delayBefore(3), r.delayBefore(4)))
                .containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(4500), Duration.ofSeconds(5));
        assertThat(new PullRetry(1, Duration.ofSeconds(90), Duration.ofSeconds(60)).delayBefore(1)).isEqualTo(Duration.ofSeconds(60));
    }
}
