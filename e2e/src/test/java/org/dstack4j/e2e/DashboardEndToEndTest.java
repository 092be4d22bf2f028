package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dstack4j.e2e.fixtures.FreePort;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CVM's page end to end: the simulator agent with {@code --worker-listen} (its app-compose makes logs,
 * system info and TCB info public), a private dockerd, an in-process registry and a node started by
 * {@code dstack4j launch}, which writes its report to the "shared volume" the agent reads. The page is
 * rendered by headless Chromium (Debian's {@code chromium}); a screenshot is kept in
 * {@code e2e/target/dashboard/}.
 */
@ExtendWith(PrivateDockerdExtension.class)
class DashboardEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path ARTIFACTS = Path.of("target", "dashboard");
    static final Pattern LINE = Pattern.compile("node-line-(\\d+)");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static DockerClient docker;
    static HostileRegistry registry;
    static OciImage image;
    static AgentProcess agent;
    static HostileLaunch launch;
    static String base;
    static Path tmp;

    @BeforeAll
    static void start(PrivateDockerd dockerd, @TempDir Path dir) throws Exception {
        assertThat(CHROMIUM).as("Debian's chromium (scripts/test installs it)").isExecutable();
        tmp = dir;
        docker = dockerd.client();
        registry = HostileRegistry.start();
        // the node prints a numbered line every 200 ms, so a followed stream must show new ones
        image = OciImageBuilder.fromHostBusybox().image(OciImage.Format.OCI, OciImageSpec.busybox("dashboard")
                .withCmd(List.of("/bin/busybox", "sh", "-c", "i=0; while true; do echo node-line-$i; i=$((i+1)); sleep 0.2; done")));
        registry.publish(HostileLaunch.NAME, image, "latest");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path compose = Files.writeString(dir.resolve("app-compose.json"), "{\"manifest_version\":2,\"name\":\"dashboard-e2e\","
                + "\"runner\":\"docker-compose\",\"docker_compose_file\":\"services: {}\",\"kms_enabled\":false,"
                + "\"gateway_enabled\":false,\"local_key_provider_enabled\":true,\"key_provider_id\":\"\",\"public_logs\":true,"
                + "\"public_sysinfo\":true,\"public_tcbinfo\":true,\"allowed_envs\":[],\"no_instance_id\":false,\"secure_time\":false}");
        int port = FreePort.loopback();
        base = "http://127.0.0.1:" + port;
        agent = AgentProcess.start("--app-compose", compose.toString(), "--worker-listen", "127.0.0.1:" + port,
                "--docker-socket", dockerd.dockerHost().replaceFirst("^unix://", ""),
                "--launch-report", shared.resolve("launch-report.json").toString());
        launch = new HostileLaunch(dockerd, docker, agent, Files.createDirectories(dir.resolve("launch")));
        launch.removeNode();
        launch.approved(image.imageId());
        launch.userConfig(registry.hostPort(), "latest");
        Cli.Result r = launch.launch("TEE", Duration.ofSeconds(90), "--shared-report", shared.resolve("launch-report.json").toString());
        assertThat(r.exit()).as(r.stderr()).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (launch != null) launch.removeNode();
        } finally {
            if (agent != null) agent.close();
            if (registry != null) registry.close();
        }
    }

    @Test
    void chromiumShowsIdentityTheNodeItsLaunchAndTheVerdict() throws Exception {
        JsonNode status = JSON.readTree(get("/status.json").body());
        String dom = chromium("--dump-dom", base + "/");
        Files.createDirectories(ARTIFACTS);
        Path shot = ARTIFACTS.resolve("dashboard-narrow.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        chromium("--screenshot=" + shot, "--window-size=420,3200", base + "/");
        assertThat(shot).isNotEmptyFile();

        assertThat(status.path("app").path("app_id").asText()).hasSize(40);
        assertThat(dom).contains(status.path("app").path("app_id").asText(), status.path("app").path("compose_hash").asText(),
                "<td>mpc-node</td>", image.imageId(), "id=\"verdict\" class=\"ok\">VALID", "rtmr3-replay");
        assertThat(status.path("launch").path("selected_digest").asText()).isEqualTo(image.imageId());
        assertThat(status.path("launch").path("approved_hashes").get(0).asText()).isEqualTo(image.imageId());
        assertThat(status.path("launch").path("manifest_digest").asText()).isEqualTo(image.manifestDigest());
        // the launch's RTMR3 event is in the page's event log, its digest recomputed and matching
        assertThat(status.path("event_log").findValues("event").stream().map(JsonNode::asText)).contains("mpc-image-digest");
        for (JsonNode e : status.path("event_log")) {
            if (e.path("imr").asInt() == 3) assertThat(e.path("matches").asBoolean()).as(e.toString()).isTrue();
        }
        assertThat(status.path("attestation").path("valid").asBoolean()).as(status.path("attestation").toPrettyString()).isTrue();

        // the node's log link, as the browser sees it, streams new lines while it is open (follow=true)
        Matcher href = Pattern.compile("href=\"(/logs/mpc-node[^\"]*)\"").matcher(dom);
        assertThat(href.find()).as("log link of mpc-node in\n" + dom).isTrue();
        String link = href.group(1).replace("&amp;", "&");
        assertThat(link).contains("follow").contains("tail=20");
        assertFollowStreamsNewLines(link);

        for (String planted : List.of(HostileLaunch.SECRET_STORE_KEY, HostileLaunch.BACKUP_KEY, HostileLaunch.API_TOKEN, HostileLaunch.DB_PASSWORD)) {
            assertThat(dom).doesNotContain(planted);
            assertThat(status.toString()).doesNotContain(planted);
            assertThat(get("/logs/mpc-node?text&tail=all").body()).doesNotContain(planted);
        }
        assertThat(get("/metrics").body()).contains("system_memory_total ");
        // and the class-wide leak checks (SecretsNeverLeakTest) read what the page served too
        LaunchOutputs.record("dashboard page", dom);
        LaunchOutputs.record("dashboard status.json", status.toString());
    }

    @Test
    void unknownAndHostileContainersAnswer4xxAndTheAgentKeepsServing() throws Exception {
        HttpResponse<String> unknown = get("/logs/no-such-container?text");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("no container named no-such-container\n");
        for (String path : List.of("/logs/..%2F..%2Fcontainers%2Fjson", "/logs/%2E%2E", "/logs/mpc-node?tail=1000000000",
                "/logs/mpc-node?since=yesterday", "/logs/mpc-node?until=5y")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isBetween(400, 499);
            assertThat(r.body()).as(path).isNotBlank().doesNotContain("<html", "Exception");
        }
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/logs/mpc-node?text&bare&tail=3").body()).contains("node-line-");
    }

    @Test
    void atMostFourLogStreamsAndAClosedOneFreesItsSlot() throws Exception {
        List<InputStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/logs/mpc-node?text&bare&follow&tail=1"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body().read()).as("stream %d delivers", i).isNotNegative();
                open.add(r.body());
            }
            HttpResponse<String> fifth = get("/logs/mpc-node?text&bare&follow&tail=1");
            assertThat(fifth.statusCode()).isEqualTo(503);
            assertThat(fifth.body()).startsWith("too many log streams are open (at most 4)");
        } finally {
            for (InputStream in : open) in.close();
        }
        // the node prints every 200 ms: the server's next write to a closed stream fails and frees the slot
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status;
        do {
            Thread.sleep(200);
            status = get("/logs/mpc-node?text&bare&tail=1").statusCode();
        } while (status == 503 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(200);
    }

    /** Reads the followed stream until a line numbered past everything the tail could have held appears. */
    private static void assertFollowStreamsNewLines(String link) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + link)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (InputStream in = r.body(); BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int first = -1;
            for (String line; System.nanoTime() < deadline && (line = reader.readLine()) != null; ) {
                lines.add(line);
                Matcher m = LINE.matcher(line);
                if (!m.find()) continue;
                int n = Integer.parseInt(m.group(1));
                if (first < 0) first = n;
                // the tail held at most 20 lines: 25 past the first one was printed after the request
                if (n >= first + 25) {
                    assertThat(line).as("timestamps were asked for").matches("^\\d{4}-\\d\\d-\\d\\dT.*Z node-line-\\d+$");
                    return;
                }
            }
        }
        throw new AssertionError("the followed log showed no new lines within 20 s: " + lines);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Runs headless Chromium with its own throw-away profile; returns its stdout. */
    private static String chromium(String... args) throws Exception {
        Path profile = Files.createTempDirectory(tmp, "chromium-");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = profile.resolve("stdout");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(profile.resolve("stderr").toFile());
        pb.environment().put("HOME", profile.toString());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("chromium did not finish within 60 s: " + Files.readString(profile.resolve("stderr")));
        }
        assertThat(p.exitValue()).as(Files.readString(profile.resolve("stderr"))).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
