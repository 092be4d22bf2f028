package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wire compatibility with the official JS tooling: runs e2e/js/dstack-sdk.test.mjs
 * (@phala/dstack-sdk against our agent process) and e2e/js/dcap-qvl.test.mjs (@phala/dcap-qvl
 * verifying our quotes with the agent's test collateral, and the real MPC fixtures with Intel's
 * root). Installs the locked npm packages with {@code npm ci} when node_modules is missing.
 *
 * <p>Fixtures: {@code $DSTACK4J_FIXTURES}, else the repository's {@code fixtures/}. The dcap-qvl
 * results for the fixtures are also written to {@code target/dcap-qvl-fixtures.jsonl}.
 */
class JsClientsTest {
    private static final Path JS = Path.of("js").toAbsolutePath();
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);
    private static AgentProcess agent;

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(JS.resolve("package-lock.json")).as("e2e/js must hold the committed lockfile").isRegularFile();
        if (!Files.isDirectory(JS.resolve("node_modules"))) {
            Run npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), NPM_TIMEOUT, true);
            assertThat(npm.exit).as("npm ci in %s failed:\n%s", JS, npm.output).isZero();
        }
        agent = AgentProcess.startWithVerifierFiles();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (agent != null) agent.close();
    }

    @Test
    void officialJsSdkDrivesOurAgent() throws Exception {
        Run r = run(List.of("node", "dstack-sdk.test.mjs"), Map.of(
                "DSTACK_SIMULATOR_ENDPOINT", agent.socket.toString(),
                "TAPPD_SIMULATOR_ENDPOINT", agent.dir.resolve(AgentProcess.TAPPD_SOCKET).toString(),
                "DSTACK4J_KMS_ROOT", agent.dir.resolve(AgentProcess.KMS_ROOT).toString()), SCRIPT_TIMEOUT, false);
        assertThat(r.exit).as("node dstack-sdk.test.mjs failed:\n%s", r.output).isZero();
        assertThat(r.output).as(r.output).contains("# pass 9").contains("# fail 0");

        // every attestation and quote the JS client received, checked by our SDK and DCAP verifier
        List<String[]> evidence = r.output.lines().filter(l -> l.startsWith("dstack4j-evidence "))
                .map(l -> l.split(" ")).toList();
        assertThat(evidence).as(r.output).hasSize(3);
        DcapVerifier verifier = DcapVerifier.withTrustedRoot((java.security.cert.X509Certificate)
                java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
                        Files.newInputStream(agent.dir.resolve(AgentProcess.TEST_ROOT))));
        var collateral = CollateralJson.parse(Files.readAllBytes(agent.dir.resolve(AgentProcess.COLLATERAL)));
        for (String[] e : evidence) {
            byte[] bytes = java.util.HexFormat.of().parseHex(e[3]);
            byte[] quote = bytes;
            if (e[1].equals("attestation")) {
                var doc = org.dstack4j.sdk.attestation.VersionedAttestation.decode(bytes);
                assertThat(java.util.HexFormat.of().formatHex(doc.reportData())).isEqualTo(e[2]);
                assertThat(org.dstack4j.sdk.RuntimeEvents.replay(doc.eventLog(), 3)).isEqualTo(
                        org.dstack4j.attestation.quote.TdxQuote.parse(doc.quote()).tdReport().rtmr3());
                quote = doc.quote();
            }
            assertThat(java.util.HexFormat.of().formatHex(
                    org.dstack4j.attestation.quote.TdxQuote.parse(quote).tdReport().reportData())).isEqualTo(e[2]);
            DcapVerification v = verifier.verify(quote, collateral, Instant.now(), false);
            assertThat(v.valid()).as(e[1] + ": " + v.firstFailure()).isTrue();
        }
    }

    @Test
    void dcapQvlAcceptsOurQuotesAndTheRealFixtures() throws Exception {
        Path fixtures = fixtures();
        Run r = run(List.of("node", "dcap-qvl.test.mjs"), Map.of(
                "DSTACK_SIMULATOR_ENDPOINT", agent.socket.toString(),
                "DSTACK4J_COLLATERAL", agent.dir.resolve(AgentProcess.COLLATERAL).toString(),
                "DSTACK4J_TEST_ROOT", agent.dir.resolve(AgentProcess.TEST_ROOT).toString(),
                "DSTACK4J_FIXTURES", fixtures.toString()), SCRIPT_TIMEOUT, false);
        assertThat(r.exit).as("node dcap-qvl.test.mjs failed:\n%s", r.output).isZero();
        assertThat(r.output).as(r.output).contains("# pass 6").contains("# fail 0")
                .contains("dcap-qvl simulator {\"status\":\"UpToDate\",\"advisory_ids\":[]}");
        List<String> results = r.output.lines().filter(l -> l.startsWith("dcap-qvl fixture "))
                .map(l -> l.substring("dcap-qvl fixture ".length())).toList();
        assertThat(results).as(r.output).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(j -> assertThat(j).contains("\"status\":\"UpToDate\"").contains("\"advisory_ids\":[]"));
        Files.write(Path.of("target", "dcap-qvl-fixtures.jsonl"), results, StandardCharsets.UTF_8);

        // Same quote, same collateral, same time: our DCAP verifier must reach dcap-qvl's verdict.
        ObjectMapper json = new ObjectMapper();
        for (String line : results) {
            JsonNode qvl = json.readTree(line);
            JsonNode dstack = json.readTree(fixtures.resolve("mpc-attestation").resolve(qvl.get("fixture").asText())
                    .resolve("public_data.json").toFile()).get("tee_participant_info").get("Dstack");
            byte[] quote = json.convertValue(dstack.get("quote"), byte[].class);
            DcapVerification ours = DcapVerifier.intel().verify(quote, CollateralJson.fromJson(dstack.get("collateral")),
                    Instant.parse(qvl.get("verified_at").asText()), false);
            assertThat(ours.valid()).as(qvl.get("fixture") + ": " + ours.firstFailure()).isTrue();
            assertThat(ours.status()).as(qvl.get("fixture").asText()).isEqualTo(qvl.get("status").asText());
            List<String> qvlAdvisories = new ArrayList<>();
            qvl.get("advisory_ids").forEach(a -> qvlAdvisories.add(a.asText()));
            assertThat(ours.advisoryIds()).as(qvl.get("fixture").asText()).containsExactlyElementsOf(qvlAdvisories);
        }
    }

    private static Path fixtures() {
        String env = System.getenv("DSTACK4J_FIXTURES");
        Path dir = env != null && !env.isBlank() ? Path.of(env)
                : Path.of("..", "fixtures").toAbsolutePath().normalize();
        assertThat(dir.resolve("mpc-attestation")).as("real MPC fixtures not found; set DSTACK4J_FIXTURES to the "
                + "directory holding mpc-attestation/<date>/public_data.json").isDirectory();
        return dir;
    }

    private record Run(int exit, String output) {}

    /**
     * Runs a command in e2e/js, output merged, killed after {@code timeout}. Node scripts get only
     * PATH, HOME and {@code env}; npm ({@code inheritEnv}) keeps the caller's environment for its config.
     */
    private static Run run(List<String> cmd, Map<String, String> env, Duration timeout, boolean inheritEnv)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("dstack4j-js", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).directory(JS.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            if (!inheritEnv) {
                pb.environment().clear();
                pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
                pb.environment().put("HOME", System.getProperty("user.home"));
            }
            pb.environment().putAll(env);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AssertionError(cmd.getFirst() + " is not installed (scripts/test installs nodejs and npm): "
                        + e.getMessage(), e);
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", cmd) + " did not end within " + timeout + ":\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
