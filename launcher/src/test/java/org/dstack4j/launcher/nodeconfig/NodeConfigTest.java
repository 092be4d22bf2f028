package org.dstack4j.launcher.nodeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node config file: [tee] injected, refusals, secrets masked, TOML round trip, atomic 0600 write. */
class NodeConfigTest {
    static final ImageDigest DIGEST = ImageDigest.of("manifest".getBytes());
    static final String SOCKET = "/var/run/dstack.sock";
    static final String APPROVED = "/mnt/shared/image-digest.bin";

    @TempDir
    Path dir;

    static ObjectNode table(String toml) {
        return ((TomlText.Parsed) TomlText.read(toml)).root();
    }

    static ObjectNode templateNodeConfig() throws Exception {
        return TomlUserConfigTest.parse(Files.readString(TomlUserConfigTest.fixture())).nodeConfig();
    }

    @Test
    void teeTableIsInjectedForEachPlatform() throws Exception {
        NodeConfig tee = NodeConfig.render(table("home_dir = \"/data\""), Platform.TEE, DIGEST, SOCKET, APPROVED);
        JsonNode t = table(tee.toml());
        assertThat(t.at("/home_dir").asText()).isEqualTo("/data");
        assertThat(t.at("/tee/authority/type").asText()).isEqualTo("dstack");
        assertThat(t.at("/tee/authority/dstack_endpoint").asText()).isEqualTo(SOCKET);
        assertThat(t.at("/tee/image_hash").asText()).isEqualTo(DIGEST.toString());
        assertThat(t.at("/tee/latest_allowed_hash_file_path").asText()).isEqualTo(APPROVED);

        JsonNode local = table(NodeConfig.render(table(""), Platform.NONTEE, DIGEST, SOCKET, APPROVED).toml());
        assertThat(local.at("/tee/authority").size()).isEqualTo(1);
        assertThat(local.at("/tee/authority/type").asText()).isEqualTo("local");
    }

    @Test
    void theOperatorTemplateRoundTripsUnchanged() throws Exception {
        ObjectNode user = templateNodeConfig();
        NodeConfig config = NodeConfig.render(user, Platform.TEE, DIGEST, SOCKET, APPROVED);
        ObjectNode reread = table(config.toml());
        reread.remove("tee");
        assertThat(reread).isEqualTo(user);
        assertThat(config.digest()).isEqualTo(ImageDigest.of(config.toml().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void stringsThatNeedEscapingRoundTrip() throws Exception {
        ObjectNode user = table("");
        user.put("quote", "it's \"quoted\"").put("newline", "a\nb").put("backslash", "C:\\x").put("unicode", "ünï \u2028 😀");
        ObjectNode reread = table(NodeConfig.render(user, Platform.NONTEE, DIGEST, SOCKET, APPROVED).toml());
        reread.remove("tee");
        assertThat(reread).isEqualTo(user);
    }

    @Test
    void userTeeIsRefusedInEveryPlatform() {
        for (Platform p : Platform.values()) {
            assertThatThrownBy(() -> NodeConfig.render(table("[tee]\nimage_hash = \"x\""), p, DIGEST, SOCKET, APPROVED))
                    .isInstanceOfSatisfying(InputException.class, e -> {
                        assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                        assertThat(e.input()).isEqualTo("mpc_node_config.tee");
                    });
            assertThatThrownBy(() -> NodeConfig.render(table("tee = \"sneaky\""), p, DIGEST, SOCKET, APPROVED))
                    .isInstanceOf(InputException.class);
        }
    }

    @Test
    void gcpIsRefusedInTeeOnly() throws Exception {
        String gcp = "[gcp]\nkeyshare_secret_id = \"s\"\nproject_id = \"p\"";
        assertThatThrownBy(() -> NodeConfig.render(table(gcp), Platform.TEE, DIGEST, SOCKET, APPROVED))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.input()).isEqualTo("mpc_node_config.gcp"));
        assertThat(table(NodeConfig.render(table(gcp), Platform.NONTEE, DIGEST, SOCKET, APPROVED).toml()).at("/gcp/project_id").asText())
                .isEqualTo("p");
    }

    @Test
    void dateTimesAndHugeIntegersAreRefused() {
        assertThatThrownBy(() -> NodeConfig.render(table("[a]\nwhen = 1979-05-27T07:32:00Z"), Platform.NONTEE, DIGEST, SOCKET, APPROVED))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.input()).isEqualTo("mpc_node_config.a.when"));
        assertThatThrownBy(() -> NodeConfig.render(table("big = 0xffffffffffffffff"), Platform.NONTEE, DIGEST, SOCKET, APPROVED))
                .isInstanceOf(InputException.class);
    }

    @Test
    void secretsAreMaskedInEveryPrintedForm() throws Exception {
        ObjectNode user = templateNodeConfig();
        ((ObjectNode) user.get("secrets")).put("secret_store_key_hex", "planted-secret-0001");
        user.putObject("db").put("password", "planted-secret-0002").put("url", "postgres://x");
        user.withArray("providers").addObject().put("api_token", "planted-secret-0003");
        NodeConfig config = NodeConfig.render(user, Platform.TEE, DIGEST, SOCKET, APPROVED);

        assertThat(config.toml()).contains("planted-secret-0001", "planted-secret-0002", "planted-secret-0003");
        for (String shown : new String[] {config.maskedToml(), config.masked().toString(), config.toString()}) {
            assertThat(shown).doesNotContain("planted-secret-000", "YOUR_ALCHEMY_API_KEY", "REPLACE_ME_WITH_32_BYTE_HEX_KEY");
        }
        assertThat(config.masked().at("/secrets").asText()).isEqualTo("***");
        assertThat(config.masked().at("/db/password").asText()).isEqualTo("***");
        assertThat(config.masked().at("/db/url").asText()).isEqualTo("postgres://x");
        assertThat(config.masked().at("/node/foreign_chains/sui/providers/quicknode/auth/token").asText()).isEqualTo("***");
        assertThat(config.masked().at("/tee/image_hash").asText()).isEqualTo(DIGEST.toString());
    }

    @Test
    void theFileIsReplacedAtomicallyWithMode0600AndALinkIsReplacedNotFollowed() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "keep");
        Path target = dir.resolve("mpc-config.toml");
        Files.createSymbolicLink(target, victim);

        NodeConfigFile.writeAtomically(target, "a = 1\n");

        assertThat(Files.isSymbolicLink(target)).isFalse();
        assertThat(Files.readString(target)).isEqualTo("a = 1\n");
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("victim", "mpc-config.toml");
        }
    }

    @Test
    void anUnwritableDirectoryIsALaunchErrorNamingThePath() {
        Path target = dir.resolve("missing-dir").resolve("mpc-config.toml");
        assertThatThrownBy(() -> NodeConfigFile.writeAtomically(target, "secret = 'planted-secret-0004'"))
                .isInstanceOfSatisfying(org.dstack4j.launcher.EngineException.class, e -> {
                    assertThat(e.input()).isEqualTo(target.toString());
                    assertThat(e.oneLine()).doesNotContain("planted-secret-0004");
                });
    }
}
