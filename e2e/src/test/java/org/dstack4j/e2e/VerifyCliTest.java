package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dstack4j.sdk.DstackClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code dstack4j verify} as a user runs it: on every real MPC attestation captured on TDX hardware,
 * on tampered copies, and on a live simulator agent with {@code --trust-test-root}.
 */
class VerifyCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    static Stream<Path> fixtures() throws Exception {
        Path dir = fixturesDir();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.map(d -> d.resolve("public_data.json")).filter(Files::isRegularFile).sorted().toList();
            assertThat(all).as("fixtures under " + dir).isNotEmpty();
            return all.stream();
        }
    }

    static Path fixturesDir() {
        String env = System.getenv("DSTACK4J_FIXTURES");
        Path base = env != null ? Path.of(env) : Path.of("..", "fixtures").toAbsolutePath().normalize();
        return base.resolve("mpc-attestation");
    }

    /** What the fixture itself recorded, read independently of the code under test. */
    record Recorded(String imageDigest, String composeHash, String launcherComposeHash, Instant issuedPlusHour) {}

    static Recorded recorded(Path publicData) throws Exception {
        JsonNode d = JSON.readTree(publicData.toFile()).get("tee_participant_info").get("Dstack");
        JsonNode tcb = d.get("tcb_info");
        String image = null;
        for (JsonNode e : tcb.get("event_log")) {
            if ("mpc-image-digest".equals(e.get("event").asText())) image = e.get("event_payload").asText();
        }
        String appCompose = tcb.get("app_compose").asText();
        String launcher = sha256(JSON.readTree(appCompose).get("docker_compose_file").asText());
        String tcbInfo = d.get("collateral").get("tcb_info").asText();
        Instant issued = Instant.parse(JSON.readTree(tcbInfo).get("issueDate").asText());
        return new Recorded(image, sha256(appCompose), launcher, issued.plusSeconds(3600));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyRealAttestationVerifiesWithTheDigestItRecorded(Path publicData) throws Exception {
        Recorded rec = recorded(publicData);
        Cli.Result r = verify(publicData, rec, rec.imageDigest(), rec.launcherComposeHash());

        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode v = JSON.readTree(r.stdout());
        assertThat(v.get("valid").asBoolean()).isTrue();
        assertThat(v.get("status").asText()).isEqualTo("UpToDate");
        assertThat(v.get("advisory_ids")).isEmpty();
        assertThat(v.get("mpc_image_digest").asText()).isEqualTo(rec.imageDigest());
        assertThat(v.get("compose_hash").asText()).isEqualTo(rec.composeHash());
        assertThat(v.get("checks")).allSatisfy(c -> assertThat(c.get("ok").asBoolean()).as(c.toString()).isTrue());
        assertThat(v.get("checks").findValuesAsText("name"))
                .contains("quote-signature", "tcb-status", "rtmr3-replay", "mpc-image-digest", "report-data");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void anImageThatIsNotAllowedIsInvalid(Path publicData) throws Exception {
        Recorded rec = recorded(publicData);
        Cli.Result r = verify(publicData, rec, "00".repeat(32), rec.launcherComposeHash());

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(failed(r)).containsExactly("mpc-image-digest");
    }

    @Test
    void expiredCollateralIsInvalidAndBadInputIsExitTwo() throws Exception {
        Path publicData = fixtures().reduce((a, b) -> b).orElseThrow();
        Recorded rec = recorded(publicData);
        Recorded late = new Recorded(rec.imageDigest(), rec.composeHash(), rec.launcherComposeHash(),
                rec.issuedPlusHour().plus(Duration.ofDays(40)));
        Cli.Result expired = verify(publicData, late, rec.imageDigest(), rec.launcherComposeHash());
        assertThat(expired.exit()).isEqualTo(1);
        assertThat(failed(expired)).contains("tcb-info-validity");

        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"tee_participant_info\": 1}");
        Cli.Result bad = Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", broken.toString(), "--output", "json");
        assertThat(bad.exit()).as(bad.all()).isEqualTo(2);
        assertThat(bad.stderr()).contains("dstack4j verify: evidence");
    }

    @Test
    void tamperedQuoteByteIsCaughtByTheSignatureCheck() throws Exception {
        Path publicData = fixtures().reduce((a, b) -> b).orElseThrow();
        Recorded rec = recorded(publicData);
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(publicData.toFile());
        var quote = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("tee_participant_info").get("Dstack").get("quote");
        int rtmr3Byte = 520 + 7;
        quote.set(rtmr3Byte, quote.get(rtmr3Byte).asInt() ^ 0x01);
        Path tampered = Files.writeString(tmp.resolve("tampered.json"), JSON.writeValueAsString(root));

        Cli.Result r = verify(tampered, rec, rec.imageDigest(), rec.launcherComposeHash());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(failed(r)).contains("quote-signature", "rtmr3-replay");
    }

    @Test
    void simulatorQuotesVerifyWithTheTestRootAndOnlyWithIt() throws Exception {
        try (AgentProcess agent = AgentProcess.startWithVerifierFiles()) {
            String digest = "ab".repeat(32);
            try (DstackClient c = agent.client()) {
                c.emitEvent("mpc-image-digest", HexFormat.of().parseHex(digest));
            }
            String appCompose;
            try (DstackClient c = agent.client()) {
                appCompose = c.info().tcbInfo().appCompose();
            }
            Path images = Files.writeString(tmp.resolve("images.txt"), digest + "\n");
            Path launchers = Files.writeString(tmp.resolve("launchers.txt"),
                    sha256(JSON.readTree(appCompose).get("docker_compose_file").asText()) + "\n");
            // Two fresh ed25519 keys stand in for the node's: the report data must bind them.
            String signer = "ed25519:" + base58(new byte[32], 1);
            String p2p = "ed25519:" + base58(new byte[32], 2);
            List<String> args = new ArrayList<>(List.of("verify", "--dstack-socket", agent.socket.toString(),
                    "--collateral", agent.dir.resolve(AgentProcess.COLLATERAL).toString(),
                    "--allowed-image-hashes", images.toString(), "--allowed-launcher-compose-hashes", launchers.toString(),
                    "--measurements", writeSimulatorMeasurements(agent).toString(),
                    "--expect-keys", signer + "," + p2p, "--output", "json"));

            List<String> trusted = new ArrayList<>(args);
            trusted.addAll(List.of("--trust-test-root", agent.dir.resolve(AgentProcess.TEST_ROOT).toString()));
            Cli.Result ok = Cli.run(Map.of(), TIMEOUT, trusted.toArray(String[]::new));
            assertThat(ok.exit()).as(ok.all()).isZero();
            JsonNode v = JSON.readTree(ok.stdout());
            assertThat(v.get("status").asText()).isEqualTo("UpToDate");
            assertThat(v.get("mpc_image_digest").asText()).isEqualTo(digest);

            Cli.Result intel = Cli.run(Map.of(), TIMEOUT, args.toArray(String[]::new));
            assertThat(intel.exit()).as("a test-root quote must not verify against Intel's root").isEqualTo(1);
            // the chain to Intel's root is what fails (the test root's CRL is not Intel's); the application checks
            // still pass, so the verdict rests on the DCAP chain alone
            assertThat(failed(intel)).contains("root-ca-crl", "tcb-status-accepted")
                    .doesNotContainAnyElementsOf(org.dstack4j.attestation.policy.MpcAppVerifier.CHECK_NAMES);
            assertThat(JSON.readTree(intel.stdout()).get("status").asText()).isNotEqualTo("UpToDate");
        }
    }

    @Test
    void publicDataByUrlVerifiesAndATricklingServerIsCutOffByTheTimeout() throws Exception {
        Path publicData = fixtures().reduce((a, b) -> b).orElseThrow();
        Recorded rec = recorded(publicData);
        byte[] body = Files.readAllBytes(publicData);
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/public_data", ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/slow", ex -> { // headers at once, then one byte a second, for a minute
            ex.sendResponseHeaders(200, 0);
            try (var out = ex.getResponseBody()) {
                for (int i = 0; i < 60; i++) {
                    out.write('{');
                    out.flush();
                    Thread.sleep(1000);
                }
            } catch (InterruptedException | java.io.IOException e) {
                // the client went away: that is the point
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path images = Files.writeString(tmp.resolve("url-images.txt"), rec.imageDigest() + "\n");
            Path launchers = Files.writeString(tmp.resolve("url-launchers.txt"), rec.launcherComposeHash() + "\n");
            Cli.Result ok = Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", base + "/public_data",
                    "--allowed-image-hashes", images.toString(), "--allowed-launcher-compose-hashes", launchers.toString(),
                    "--at", rec.issuedPlusHour().toString(), "--output", "json");
            assertThat(ok.exit()).as(ok.all()).isZero();
            assertThat(JSON.readTree(ok.stdout()).get("mpc_image_digest").asText()).isEqualTo(rec.imageDigest());

            Cli.Result slow = Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", base + "/slow", "--timeout", "3");
            assertThat(slow.exit()).as(slow.all()).isEqualTo(2);
            assertThat(slow.stderr()).contains("no complete answer within 3 s");
            assertThat(slow.took()).isLessThan(Duration.ofSeconds(20));
        } finally {
            server.stop(0);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Cli.Result verify(Path publicData, Recorded rec, String allowedImage, String allowedLauncher) throws Exception {
        Path images = Files.writeString(tmp.resolve("images-" + System.nanoTime() + ".txt"), allowedImage + "\n");
        Path launchers = Files.writeString(tmp.resolve("launchers-" + System.nanoTime() + ".txt"), allowedLauncher + "\n");
        return Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", publicData.toString(),
                "--allowed-image-hashes", images.toString(), "--allowed-launcher-compose-hashes", launchers.toString(),
                "--at", rec.issuedPlusHour().toString(), "--output", "json");
    }

    private static List<String> failed(Cli.Result r) throws Exception {
        List<String> names = new ArrayList<>();
        for (JsonNode c : JSON.readTree(r.stdout()).get("checks")) {
            if (!c.get("ok").asBoolean()) names.add(c.get("name").asText());
        }
        return names;
    }

    /** The simulator's MRTD/RTMR0-2 and key provider, read from its Info, as an allowed measurement set. */
    private Path writeSimulatorMeasurements(AgentProcess agent) throws Exception {
        try (DstackClient c = agent.client()) {
            var tcb = c.info().tcbInfo();
            String keyProvider = tcb.eventLog().stream().filter(e -> "key-provider".equals(e.event())).findFirst()
                    .map(e -> new String(HexFormat.of().parseHex(e.eventPayload()), StandardCharsets.UTF_8)).orElseThrow();
            var set = JSON.createObjectNode().put("name", "simulator").put("mrtd", tcb.mrtd()).put("rtmr0", tcb.rtmr0())
                    .put("rtmr1", tcb.rtmr1()).put("rtmr2", tcb.rtmr2());
            set.set("key_provider", JSON.readTree(keyProvider));
            return Files.writeString(tmp.resolve("measurements.json"), JSON.writeValueAsString(List.of(set)));
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Base58 (Bitcoin alphabet) of a 32-byte key filled with {@code fill}; independent of the code under test. */
    private static String base58(byte[] key, int fill) {
        java.util.Arrays.fill(key, (byte) fill);
        String alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        java.math.BigInteger n = new java.math.BigInteger(1, key);
        StringBuilder s = new StringBuilder();
        java.math.BigInteger b58 = java.math.BigInteger.valueOf(58);
        while (n.signum() > 0) {
            java.math.BigInteger[] qr = n.divideAndRemainder(b58);
            s.append(alphabet.charAt(qr[1].intValue()));
            n = qr[0];
        }
        return s.reverse().toString();
    }
}
