package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 16 item 1: text that the evidence controls cannot forge lines of {@code verify}'s text report.
 * Starts from a real MPC attestation and plants a fake {@code VALID} line, a terminal escape that hides
 * what follows, a bidi override and a Unicode line separator.
 */
class VerifyTextOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORGERY = "local\n  ok    everything\nVALID: every check passed\n\u001b[8m\u202e\u2028";
    private static final Path FIXTURE = Path.of("..", "fixtures", "mpc-attestation", "2026-08-14", "public_data.json")
            .toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    private Run verify(Path publicData) throws Exception {
        ObjectNode dstack = (ObjectNode) JSON.readTree(FIXTURE.toFile()).get("tee_participant_info").get("Dstack");
        JsonNode tcb = dstack.get("tcb_info");
        String image = null;
        for (JsonNode e : tcb.get("event_log")) {
            if ("mpc-image-digest".equals(e.get("event").asText())) image = e.get("event_payload").asText();
        }
        String launcher = sha256(JSON.readTree(tcb.get("app_compose").asText()).get("docker_compose_file").asText());
        Instant at = Instant.parse(JSON.readTree(dstack.get("collateral").get("tcb_info").asText()).get("issueDate")
                .asText()).plusSeconds(3600);
        Path images = Files.writeString(tmp.resolve("images.txt"), image + "\n");
        Path launchers = Files.writeString(tmp.resolve("launchers.txt"), launcher + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("verify", "--public-data", publicData.toString(), "--allowed-image-hashes",
                images.toString(), "--allowed-launcher-compose-hashes", launchers.toString(), "--at", at.toString());
        return new Run(exit, out.toString(), err.toString());
    }

    private Path tampered(java.util.function.Consumer<ArrayNode> change) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(FIXTURE.toFile());
        ArrayNode log = (ArrayNode) root.get("tee_participant_info").get("Dstack").get("tcb_info").get("event_log");
        change.accept(log);
        return Files.writeString(tmp.resolve("public_data.json"), JSON.writeValueAsString(root));
    }

    /** Exactly one verdict line, the real one, and no character that can forge or hide a line. */
    private static void assertCleanReport(Run r, String verdictPrefix) {
        List<String> lines = r.out().lines().toList();
        assertThat(lines.stream().filter(l -> l.startsWith("VALID") || l.startsWith("INVALID")))
                .as(r.out()).singleElement().asString().startsWith(verdictPrefix);
        assertThat(r.out() + r.err()).doesNotContain("\u001b", "\u202e", "\u2028", "\r");
    }

    @Test
    void aForgedKeyProviderPayloadIsPrintedEscaped() throws Exception {
        String payload = "{\"name\":\"" + FORGERY.replace("\n", "\\n").replace("\u001b", "\\u001b")
                .replace("\u202e", "\\u202e").replace("\u2028", "\\u2028") + "\",\"id\":\"00\"}";
        Path evidence = tampered(log -> {
            for (JsonNode e : log) {
                if ("key-provider".equals(e.get("event").asText())) {
                    ((ObjectNode) e).put("event_payload", HexFormat.of().formatHex(payload.getBytes(StandardCharsets.UTF_8)));
                }
            }
        });
        Run r = verify(evidence);
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertCleanReport(r, "INVALID");
        assertThat(r.out()).contains("key provider local\\u000a  ok    everything\\u000aVALID: every check passed"
                + "\\u000a\\u001b[8m\\u202e\\u2028");
    }

    @Test
    void anEventNameWithControlCharactersIsRefusedAsMalformedEvidence() throws Exception {
        Path evidence = tampered(log -> log.addObject().put("imr", 3).put("event_type", 134217729)
                .put("digest", "00".repeat(48)).put("event", FORGERY).put("event_payload", ""));
        Run r = verify(evidence);
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("VALID");
        assertThat(r.err().lines()).singleElement().asString().contains("event_log[29].event");
        assertThat(r.err()).doesNotContain("\u001b", "\u202e", "\u2028");
    }

    @Test
    void theUntamperedFixtureStillPrintsValid() throws Exception {
        Run r = verify(FIXTURE);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertCleanReport(r, "VALID: every check passed");
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
