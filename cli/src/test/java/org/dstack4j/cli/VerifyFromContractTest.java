package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.dstack4j.near.NearRpcDouble;
import org.dstack4j.sdk.RuntimeEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code verify --from-contract} gives the verdict of the file-based flags on every capture, valid and with an unapproved
 * image, launcher or key provider: the
 * same allow-lists served by the NEAR RPC double (the contract's view shapes) or written to files.
 */
class VerifyFromContractTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String OTHER = "ee".repeat(32);
    @TempDir
    Path tmp;
    NearRpcDouble near;

    @BeforeEach
    void start() throws Exception {
        near = new NearRpcDouble();
    }

    @AfterEach
    void stop() {
        near.close();
    }

    static Stream<String> captures() throws Exception {
        try (Stream<Path> s = Files.list(CliRun.fixtures().resolve("mpc-attestation"))) {
            return s.filter(d -> Files.isRegularFile(d.resolve("public_data.json"))).map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    /** What a capture's node measured: image digest, launcher compose hash, the time its collateral was current. */
    record Capture(Path publicData, String image, String launcher, Instant at, JsonNode tcb) {
        static Capture of(String date) throws Exception {
            Path pd = CliRun.fixtures().resolve("mpc-attestation").resolve(date).resolve("public_data.json");
            JsonNode dstack = JSON.readTree(pd.toFile()).at("/tee_participant_info/Dstack");
            JsonNode tcb = dstack.get("tcb_info");
            String image = null;
            for (JsonNode e : tcb.get("event_log")) if ("mpc-image-digest".equals(e.get("event").asText())) image = e.get("event_payload").asText();
            String compose = JSON.readTree(tcb.get("app_compose").asText()).get("docker_compose_file").asText();
            String launcher = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compose.getBytes(StandardCharsets.UTF_8)));
            JsonNode collTcb = dstack.get("collateral").get("tcb_info");
            Instant at = Instant.parse(JSON.readTree(collTcb.isTextual() ? collTcb.asText() : collTcb.toString()).get("issueDate").asText()).plusSeconds(3600);
            return new Capture(pd, image, launcher, at, tcb);
        }

        /** The contract's vote_add_os_measurement value for this node: its registers and key-provider event digest. */
        ObjectNode osMeasurement(String keyProviderPayloadHex) {
            ObjectNode m = JSON.createObjectNode();
            for (String f : List.of("mrtd", "rtmr0", "rtmr1", "rtmr2")) m.put(f, tcb.get(f).asText());
            byte[] payload = HexFormat.of().parseHex(keyProviderPayloadHex);
            m.put("key_provider_event_digest", HexFormat.of().formatHex(RuntimeEvents.digest(RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, "key-provider", payload)));
            return m;
        }

        String keyProviderPayloadHex() {
            for (JsonNode e : tcb.get("event_log")) if ("key-provider".equals(e.get("event").asText())) return e.get("event_payload").asText();
            throw new AssertionError("no key-provider event");
        }

        /** The verifier's measurement set file form for the same values. */
        ObjectNode measurementSet(String keyProviderPayloadHex) throws Exception {
            ObjectNode m = JSON.createObjectNode().put("name", "capture");
            for (String f : List.of("mrtd", "rtmr0", "rtmr1", "rtmr2")) m.put(f, tcb.get(f).asText());
            m.set("key_provider", JSON.readTree(new String(HexFormat.of().parseHex(keyProviderPayloadHex), StandardCharsets.UTF_8)));
            return m;
        }
    }

    record Verdict(int exit, List<String> failed) {}

    Verdict verdict(CliRun r) throws Exception {
        assertThat(r.status()).as(r.err()).isIn(0, 1);
        List<String> failed = new ArrayList<>();
        for (JsonNode c : JSON.readTree(r.out()).get("checks")) if (!c.get("ok").asBoolean()) failed.add(c.get("name").asText());
        return new Verdict(r.status(), failed);
    }

    /** Runs both ways with the same lists; returns the contract run's JSON. */
    JsonNode assertSameVerdict(Capture c, String image, String launcher, String kpPayloadHex, boolean expectValid) throws Exception {
        Path images = Files.writeString(tmp.resolve("images.txt"), image + "\n");
        Path launchers = Files.writeString(tmp.resolve("launchers.txt"), launcher + "\n");
        Path sets = Files.writeString(tmp.resolve("sets.json"), JSON.createArrayNode().add(c.measurementSet(kpPayloadHex)).toString());
        CliRun files = CliRun.of("verify", "--public-data", c.publicData().toString(), "--allowed-image-hashes", images.toString(),
                "--allowed-launcher-compose-hashes", launchers.toString(), "--measurements", sets.toString(), "--at", c.at().toString(), "--output", "json");
        near.answer("allowed_docker_image_hashes", "[{\"image_hash\":\"" + image + "\",\"expiry_timestamp_seconds\":null}]")
                .answer("allowed_launcher_compose_hashes", "[\"" + launcher + "\"]").answer("allowed_launcher_image_hashes", "[]")
                .answer("allowed_os_measurements", JSON.createArrayNode().add(c.osMeasurement(kpPayloadHex)).toString());
        CliRun contract = CliRun.of("verify", "--public-data", c.publicData().toString(), "--from-contract", "v1.signer",
                "--near-rpc", near.url().toString(), "--at", c.at().toString(), "--output", "json");
        Verdict f = verdict(files);
        Verdict k = verdict(contract);
        assertThat(k).isEqualTo(f);
        assertThat(f.exit()).as(files.out()).isEqualTo(expectValid ? 0 : 1);
        return JSON.readTree(contract.out());
    }

    @ParameterizedTest
    @MethodSource("captures")
    void sameVerdictOnEveryCaptureValidAndTampered(String date) throws Exception {
        Capture c = Capture.of(date);
        String kp = c.keyProviderPayloadHex();
        JsonNode report = assertSameVerdict(c, c.image(), c.launcher(), kp, true);
        assertThat(report.get("checks").get(0).get("name").asText()).isEqualTo("allow-lists");
        assertThat(report.get("checks").get(0).get("detail").asText()).startsWith("allow-lists read from contract v1.signer at http://127.0.0.1:")
                .contains("1 image digest(s), 1 launcher compose hash(es), 0 launcher image(s), 1 OS measurement set(s)");
        // another key provider (another SGX enclave id): the contract's digest differs, the file's payload differs
        String otherKp = HexFormat.of().formatHex("{\"name\":\"local-sgx\",\"id\":\"00\"}".getBytes(StandardCharsets.UTF_8));
        assertSameVerdict(c, c.image(), c.launcher(), otherKp, false);
    }

    @Test
    void sameVerdictForAnUnapprovedImageOrLauncher() throws Exception {
        Capture c = Capture.of("2026-08-14");
        assertSameVerdict(c, OTHER, c.launcher(), c.keyProviderPayloadHex(), false);
        assertSameVerdict(c, c.image(), OTHER, c.keyProviderPayloadHex(), false);
    }

    @Test
    void contractTroubleIsBadInputAndListFlagsAreRefusedBesideIt() throws Exception {
        Capture c = Capture.of(captures().findFirst().orElseThrow());
        near.panic("allowed_docker_image_hashes", "boom");
        CliRun r = CliRun.of("verify", "--public-data", c.publicData().toString(), "--from-contract", "v1.signer", "--near-rpc", near.url().toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("dstack4j verify: --from-contract: contract v1.signer failed in allowed_docker_image_hashes");
        CliRun both = CliRun.of("verify", "--public-data", c.publicData().toString(), "--from-contract", "v1.signer", "--near-rpc",
                near.url().toString(), "--allowed-image-hashes", "x.txt");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err()).contains("--from-contract replaces");
        CliRun alone = CliRun.of("verify", "--public-data", c.publicData().toString(), "--from-contract", "v1.signer");
        assertThat(alone.err()).contains("--from-contract and --near-rpc go together");
    }
}
