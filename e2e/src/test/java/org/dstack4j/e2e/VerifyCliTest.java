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
                .contains("collateral-form", "quote-signature", "tcb-status", "tcb-status-accepted", "rtmr3-replay",
                        "rtmr3-event-types", "app-compose-fields", "app-compose-settings", "mpc-image-digest", "report-data");
    }

    /** The same evidence with the collateral's byte fields in the other JSON form, converted here without the CLI's code. */
    @ParameterizedTest
    @MethodSource("fixtures")
    void collateralVerifiesAsHexStringsAndAsIntegerArrays(Path publicData) throws Exception {
        Recorded rec = recorded(publicData);
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(publicData.toFile());
        var coll = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("tee_participant_info").get("Dstack").get("collateral");
        boolean wasHex = coll.get("pck_crl").isTextual();
        for (String f : List.of("root_ca_crl", "pck_crl", "tcb_info_signature", "qe_identity_signature")) {
            JsonNode v = coll.get(f);
            assertThat(v.isTextual()).as(f + " in the same form as pck_crl").isEqualTo(wasHex);
            if (wasHex) {
                var arr = coll.putArray(f);
                for (byte b : HexFormat.of().parseHex(v.asText())) arr.add(b & 0xff);
            } else {
                byte[] b = new byte[v.size()];
                for (int i = 0; i < b.length; i++) b[i] = (byte) v.get(i).asInt();
                coll.put(f, HexFormat.of().formatHex(b));
            }
        }
        Path converted = Files.writeString(tmp.resolve("converted.json"), JSON.writeValueAsString(root));

        for (Path p : List.of(publicData, converted)) {
            Cli.Result r = verify(p, rec, rec.imageDigest(), rec.launcherComposeHash());
            assertThat(r.exit()).as(r.all()).isZero();
            boolean hex = (p == publicData) == wasHex;
            assertThat(detail(r, "collateral-form")).endsWith(hex ? "as hex strings" : "as integer arrays");
        }
    }

    @Test
    void launcherComposeHashesAreRenderedFromTheContractTemplate() throws Exception {
        // the 2026-03-23 node ran near/mpc's template of its time, which mounted shared-volume read-only
        Path publicData = fixturesDir().resolve("2026-03-23").resolve("public_data.json");
        Recorded rec = recorded(publicData);
        String contractTemplate = Files.readString(fixturesDir().resolveSibling("operator").resolve("launcher_docker_compose.yaml.template"));
        Path thenTemplate = Files.writeString(tmp.resolve("then.template"), contractTemplate.replace("/mnt/shared:rw", "/mnt/shared:ro"));
        Path todayTemplate = Files.writeString(tmp.resolve("today.template"), contractTemplate);
        String launcher = "84c7537a2f84d3477eac2e5ef3ba0765b5d688f86096947eea4744ce25b27054"; // the image that node's compose names
        Path launchers = Files.writeString(tmp.resolve("launcher-images.txt"), "# approved launchers\n" + "11".repeat(32) + "\nsha256:" + launcher + "\n");
        Path otherLauncher = Files.writeString(tmp.resolve("other-launcher.txt"), "11".repeat(32) + "\n");
        Path images = Files.writeString(tmp.resolve("tpl-images.txt"), rec.imageDigest() + "\n" + "aa".repeat(32) + "\n");

        Cli.Result ok = template(publicData, rec, images, thenTemplate, launchers, "json");
        assertThat(ok.exit()).as(ok.all()).isZero();
        JsonNode v = JSON.readTree(ok.stdout());
        assertThat(v.get("launcher_compose_hash").asText()).isEqualTo(rec.launcherComposeHash());
        assertThat(v.get("launcher_compose_rendering").get("launcher_image_digest").asText()).isEqualTo(launcher);
        assertThat(v.get("launcher_compose_rendering").get("mpc_image_digest").asText()).isEqualTo(rec.imageDigest());
        Cli.Result text = template(publicData, rec, images, thenTemplate, launchers, "text");
        assertThat(text.exit()).as(text.all()).isZero();
        assertThat(text.stdout()).containsPattern("ok +launcher-compose-hash .*launcher image sha256:" + launcher)
                .contains("advisory IDs      (none)").contains("VALID");

        Cli.Result notApproved = template(publicData, rec, images, thenTemplate, otherLauncher, "json");
        assertThat(notApproved.exit()).as(notApproved.all()).isEqualTo(1);
        assertThat(failed(notApproved)).containsExactly("launcher-compose-hash");
        assertThat(JSON.readTree(notApproved.stdout()).has("launcher_compose_rendering")).isFalse();

        // today's template (shared-volume read-write) does not derive what that node measured
        Cli.Result today = template(publicData, rec, images, todayTemplate, launchers, "json");
        assertThat(today.exit()).isEqualTo(1);
        assertThat(failed(today)).containsExactly("launcher-compose-hash");

        // usage: launcher images need a template; a file without the placeholder is not one
        Cli.Result noTemplate = Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", publicData.toString(),
                "--allowed-image-hashes", images.toString(), "--allowed-launcher-image-hashes", launchers.toString());
        assertThat(noTemplate.exit()).as(noTemplate.all()).isEqualTo(2);
        assertThat(noTemplate.stderr()).contains("--allowed-launcher-image-hashes needs --launcher-template");
        Path notATemplate = Files.writeString(tmp.resolve("compose.yaml"), "services: {}\n");
        Cli.Result bad = template(publicData, rec, images, notATemplate, launchers, "json");
        assertThat(bad.exit()).as(bad.all()).isEqualTo(2);
        assertThat(bad.stderr()).contains(notATemplate.toString()).contains("{{DEFAULT_IMAGE_DIGEST_HASH}}");
        Cli.Result noLaunchers = Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", publicData.toString(),
                "--allowed-image-hashes", images.toString(), "--launcher-template", thenTemplate.toString());
        assertThat(noLaunchers.exit()).as(noLaunchers.all()).isEqualTo(2);
        assertThat(noLaunchers.stderr()).contains("--allowed-launcher-image-hashes");
    }

    @Test
    void theAugust2026CaptureIsNotARenderingOfTheContractTemplate() throws Exception {
        // its measured launcher compose adds a signer-key-export service for fixture collection (near/mpc's own tests
        // allow its hash by hand): the contract could not derive it, and neither does the verifier
        Path publicData = fixturesDir().resolve("2026-08-14").resolve("public_data.json");
        Recorded rec = recorded(publicData);
        Path template = fixturesDir().resolveSibling("operator").resolve("launcher_docker_compose.yaml.template");
        Path launchers = Files.writeString(tmp.resolve("aug-launchers.txt"),
                "5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54\n");
        Path images = Files.writeString(tmp.resolve("aug-images.txt"), rec.imageDigest() + "\n");
        Cli.Result r = template(publicData, rec, images, template, launchers, "json");
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(failed(r)).containsExactly("launcher-compose-hash");
        assertThat(detail(r, "launcher-compose-hash")).contains(rec.launcherComposeHash(), "1 of them rendered from the launcher template");
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

            // the same evidence as Attest's versioned document, v0 (SCALE) and v1 (MessagePack), from a file
            byte[] reportData = org.dstack4j.attestation.policy.MpcReportData.v1(
                    org.dstack4j.attestation.evidence.NodeKeys.parse(signer, p2p));
            Path compose = Files.writeString(tmp.resolve("app-compose.json"), appCompose);
            try (DstackClient c = agent.client()) {
                for (var doc : List.of(c.attest(reportData), c.v1().attest(reportData))) {
                    Path file = Files.write(tmp.resolve("attest.bin"), doc.attestation());
                    List<String> viaDoc = new ArrayList<>(trusted);
                    int at = viaDoc.indexOf("--dstack-socket");
                    viaDoc.subList(at, at + 2).clear();
                    viaDoc.addAll(List.of("--attestation", file.toString(), "--attestation-app-compose", compose.toString()));
                    Cli.Result fromDoc = Cli.run(Map.of(), TIMEOUT, viaDoc.toArray(String[]::new));
                    assertThat(fromDoc.exit()).as(fromDoc.all()).isZero();
                    assertThat(JSON.readTree(fromDoc.stdout()).get("mpc_image_digest").asText()).isEqualTo(digest);

                    if (doc.attestation()[0] != 0) continue; // one forgery suffices (each CLI run is a JVM start)
                    var decoded = doc.decode();
                    byte[] otherData = decoded.reportData();
                    otherData[0] ^= 1;
                    var forged = new org.dstack4j.sdk.attestation.VersionedAttestation(decoded.quote(), decoded.eventLog(),
                            decoded.runtimeEvents(), otherData, decoded.vmConfig());
                    Files.write(file, forged.encode(org.dstack4j.sdk.attestation.VersionedAttestation.formOf(doc.attestation())));
                    Cli.Result refused = Cli.run(Map.of(), TIMEOUT, viaDoc.toArray(String[]::new));
                    assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
                    assertThat(refused.stderr()).contains("report_data differs from the quote's");
                }
            }
        }
    }

    /**
     * Intel's 2026 PCS attaches informational advisories to UpToDate levels. The simulator's collateral, edited
     * so, and re-signed with the simulator's TEST ONLY TCB signing key (derived from the agent's default seed):
     * still valid, as for the contract, with the IDs printed in text and JSON.
     */
    @Test
    void upToDateWithAdvisoryIdsIsValidAndTheIdsArePrinted() throws Exception {
        try (AgentProcess agent = AgentProcess.startWithVerifierFiles()) {
            String digest = "cd".repeat(32);
            String appCompose;
            try (DstackClient c = agent.client()) {
                c.emitEvent("mpc-image-digest", HexFormat.of().parseHex(digest));
                appCompose = c.info().tcbInfo().appCompose();
            }
            var coll = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(agent.dir.resolve(AgentProcess.COLLATERAL).toFile());
            var tcbInfo = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(coll.get("tcb_info").asText());
            // the simulator's collateral lists an UpToDate level and, below it, an OutOfDate one (for TCB-status tests)
            int upToDate = 0;
            for (JsonNode level : tcbInfo.get("tcbLevels")) {
                if (!level.get("tcbStatus").asText().equals("UpToDate")) continue;
                ((com.fasterxml.jackson.databind.node.ObjectNode) level).putArray("advisoryIDs").add("INTEL-DOC-10000");
                upToDate++;
            }
            assertThat(upToDate).as("UpToDate levels in the simulator's TCB info").isPositive();
            String edited = JSON.writeValueAsString(tcbInfo);
            var pki = org.dstack4j.agent.pki.TestPki.create(new org.dstack4j.agent.pki.SeedKdf(
                    org.dstack4j.agent.simulator.SimulatorConfig.DEFAULT_SEED),
                    org.dstack4j.agent.simulator.MeasurementProfile.defaults().pckTcb());
            coll.put("tcb_info", edited);
            Path unsigned = Files.writeString(tmp.resolve("advisory-unsigned.json"), JSON.writeValueAsString(coll));
            coll.put("tcb_info_signature", HexFormat.of().formatHex(pki.tcbSigningKey().signP1363(edited.getBytes(StandardCharsets.UTF_8))));
            Path signed = Files.writeString(tmp.resolve("advisory.json"), JSON.writeValueAsString(coll));

            Path images = Files.writeString(tmp.resolve("adv-images.txt"), digest + "\n");
            Path launchers = Files.writeString(tmp.resolve("adv-launchers.txt"),
                    sha256(JSON.readTree(appCompose).get("docker_compose_file").asText()) + "\n");
            String signer = "ed25519:" + base58(new byte[32], 3);
            String p2p = "ed25519:" + base58(new byte[32], 4);
            String measurements = writeSimulatorMeasurements(agent).toString();
            java.util.function.BiFunction<Path, String, String[]> args = (collateral, output) -> new String[] {"verify",
                "--dstack-socket", agent.socket.toString(), "--collateral", collateral.toString(),
                "--trust-test-root", agent.dir.resolve(AgentProcess.TEST_ROOT).toString(),
                "--allowed-image-hashes", images.toString(), "--allowed-launcher-compose-hashes", launchers.toString(),
                "--measurements", measurements, "--expect-keys", signer + "," + p2p, "--output", output};

            Cli.Result json = Cli.run(Map.of(), TIMEOUT, args.apply(signed, "json"));
            assertThat(json.exit()).as(json.all()).isZero();
            JsonNode v = JSON.readTree(json.stdout());
            assertThat(v.get("status").asText()).isEqualTo("UpToDate");
            assertThat(v.get("advisory_ids")).extracting(JsonNode::asText).containsExactly("INTEL-DOC-10000");
            assertThat(detail(json, "tcb-status-accepted")).contains("UpToDate is accepted", "INTEL-DOC-10000");

            Cli.Result text = Cli.run(Map.of(), TIMEOUT, args.apply(signed, "text"));
            assertThat(text.exit()).as(text.all()).isZero();
            assertThat(text.stdout()).contains("advisory IDs      INTEL-DOC-10000\n").contains("VALID: every check passed");

            // the advisory edit is under the TCB info signature: unsigned, it is rejected
            Cli.Result forged = Cli.run(Map.of(), TIMEOUT, args.apply(unsigned, "json"));
            assertThat(forged.exit()).as(forged.all()).isEqualTo(1);
            assertThat(failed(forged)).contains("tcb-info-signature");
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

    private Cli.Result template(Path publicData, Recorded rec, Path images, Path template, Path launchers, String output)
            throws Exception {
        return Cli.run(Map.of(), TIMEOUT, "verify", "--public-data", publicData.toString(), "--allowed-image-hashes", images.toString(),
                "--launcher-template", template.toString(), "--allowed-launcher-image-hashes", launchers.toString(),
                "--at", rec.issuedPlusHour().toString(), "--output", output);
    }

    private static String detail(Cli.Result r, String check) throws Exception {
        for (JsonNode c : JSON.readTree(r.stdout()).get("checks")) {
            if (c.get("name").asText().equals(check)) return c.get("detail").asText();
        }
        throw new AssertionError("no check " + check + " in " + r.stdout());
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
