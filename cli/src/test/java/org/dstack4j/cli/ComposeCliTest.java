package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static List<JsonNode> captures() throws Exception {
        try (Stream<Path> dirs = Files.list(CliRun.fixtures().resolve("mpc-attestation"))) {
            return dirs.map(d -> d.resolve("public_data.json")).filter(Files::isRegularFile).sorted().map(f -> {
                try {
                    return JSON.readTree(f.toFile()).at("/tee_participant_info/Dstack/tcb_info");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    @Test
    void normalizeOfACompactCapturePrintsItsComposeHashAndWritesTheRecordedBytes() throws Exception {
        List<JsonNode> all = captures();
        assertThat(all).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode tcb : all) {
            String recorded = tcb.get("app_compose").asText();
            Path in = tmp.resolve("compact.json");
            Files.writeString(in, JSON.writeValueAsString(JSON.readTree(recorded)));
            Path out = tmp.resolve("app-compose.json");
            CliRun r = CliRun.of("app-compose", "normalize", in.toString(), "--output", out.toString(), "--check");
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.field("compose-hash:")).isEqualTo(tcb.get("compose_hash").asText());
            assertThat(r.field("app-id:")).isEqualTo(tcb.get("compose_hash").asText().substring(0, 40));
            assertThat(r.field("mr_config_id:")).isEqualTo("01" + tcb.get("compose_hash").asText() + "00".repeat(15));
            assertThat(r.field("MPC rules:")).isEqualTo("pass");
            assertThat(Files.readString(out)).isEqualTo(recorded);
        }
    }

    @Test
    void buildFromVmmCliFlagsGivesTheCapturesComposeHash() throws Exception {
        JsonNode tcb = captures().get(captures().size() - 1);
        JsonNode doc = JSON.readTree(tcb.get("app_compose").asText());
        Path dc = tmp.resolve("docker-compose.yaml");
        Files.writeString(dc, doc.get("docker_compose_file").asText());
        CliRun r = CliRun.of("app-compose", "build", "--name", doc.get("name").asText(), "--docker-compose", dc.toString(),
                "--local-key-provider", "--public-logs", "--public-sysinfo", "--no-instance-id", "--check");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.field("compose-hash:")).isEqualTo(tcb.get("compose_hash").asText());
    }

    @Test
    void checkFailsWithExitOneNamingTheRule() throws Exception {
        ObjectNode doc = (ObjectNode) JSON.readTree(captures().get(0).get("app_compose").asText());
        doc.put("kms_enabled", true);
        Path in = tmp.resolve("kms.json");
        Files.writeString(in, JSON.writeValueAsString(doc));
        CliRun r = CliRun.of("app-compose", "normalize", in.toString(), "--check");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("MPC rules:    FAIL").contains("kms_enabled must be false");
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        Path dup = tmp.resolve("dup.json");
        Files.writeString(dup, "{\"name\":\"a\",\"name\":\"b\"}");
        for (String[] args : List.of(
                new String[] {"app-compose", "normalize", tmp.resolve("missing.json").toString()},
                new String[] {"app-compose", "normalize", dup.toString()},
                new String[] {"app-compose", "build", "--name", "x", "--docker-compose", dup.toString(), "--swap", "lots"},
                new String[] {"compose", "render", "--template", dup.toString(), "--launcher-digest", "sha256:" + "a".repeat(64),
                    "--default-digest", "sha256:" + "b".repeat(64)})) {
            CliRun r = CliRun.of(args);
            assertThat(r.status()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err().strip()).doesNotContain("\n").startsWith("dstack4j ");
        }
    }

    @Test
    void composeRenderOfTheTemplateVectorGivesItsSha256() throws Exception {
        JsonNode v = JSON.readTree(CliRun.fixtures().resolve("operator/vectors.json").toFile()).get("launcher_compose_template_render");
        CliRun r = CliRun.of("compose", "render", "--template", CliRun.fixtures().resolve("operator/launcher_docker_compose.yaml.template").toString(),
                "--launcher-digest", "sha256:" + v.get("launcher_hex").asText(), "--default-digest", "sha256:" + v.get("mpc_hex").asText());
        assertThat(r.status()).as(r.err()).isZero();
        String expected = v.get("sha256_computed_here").asText();
        assertThat(r.err().strip()).isEqualTo("sha256: " + expected);
        byte[] printed = r.out().getBytes(StandardCharsets.UTF_8);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(printed))).isEqualTo(expected);
    }
}
