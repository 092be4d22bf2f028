package org.dstack4j.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.server.WorkerServer;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard on a real Worker listener over a simulated TDX agent (no container engine: the e2e test has
 * one): identity, the self-verification verdict, the flags' 404s, hostile input and the launch report's masking.
 */
class DashboardServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = "pl4nted-" + Long.toHexString(System.nanoTime());
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    SimulatedTdx tdx;
    Dashboard dashboard;
    WorkerServer worker;

    @AfterEach
    void stop() {
        if (worker != null) worker.close();
        if (dashboard != null) dashboard.close();
    }

    /** An agent whose app-compose has the given public_* flags and whose launch report file holds planted secrets. */
    void start(boolean logs, boolean sysinfo, boolean tcbinfo) throws Exception {
        String compose = "{\"manifest_version\":2,\"name\":\"<b>dash</b>\",\"runner\":\"docker-compose\","
                + "\"docker_compose_file\":\"services: {}\",\"kms_enabled\":false,\"gateway_enabled\":false,"
                + "\"local_key_provider_enabled\":true,\"key_provider_id\":\"\",\"public_logs\":" + logs
                + ",\"public_sysinfo\":" + sysinfo + ",\"public_tcbinfo\":" + tcbinfo
                + ",\"allowed_envs\":[],\"no_instance_id\":false,\"secure_time\":false}";
        tdx = SimulatedTdx.start(new SimulatorConfig("dashboard-test", AppCompose.parse(compose.getBytes(StandardCharsets.UTF_8), "test"),
                MeasurementProfile.defaults(), Optional.empty()));
        GuestApi api = new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("dstack4j-test", "r1"));
        X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(tdx.testRootPem().getBytes(StandardCharsets.US_ASCII)));
        Collateral coll = CollateralJson.parse(tdx.collateral().toJson().getBytes(StandardCharsets.UTF_8));
        Path report = tmp.resolve("launch-report.json");
        Files.writeString(report, """
                {"ok":true,"started_at":"2026-11-26T00:00:00Z","platform":"TEE",
                 "selected_digest":"sha256:%s","selection_reason":"newest of 2 approved hashes <img src=x>",
                 "approved_hashes":["sha256:%s","sha256:%s"],"manifest_digest":"sha256:%s","tag":"latest",
                 "rtmr3_before":"aa","rtmr3_after":"bb",
                 "container":{"env":[{"name":"MPC_SECRET_STORE_KEY","value":"%s"}]},
                 "node_config":{"secret":"%s"},"node_config_toml":"key = \\"%s\\"","durations_ms":{"total":1234}}
                """.formatted("1".repeat(64), "1".repeat(64), "2".repeat(64), "3".repeat(64), SECRET, SECRET, SECRET));
        dashboard = Dashboard.create(api, tdx.platform().appCompose(), new Dashboard.Options(Optional.empty(), Optional.of(report),
                DcapVerifier.withTrustedRoot(root), Optional.of(q -> coll), "TEST root", Duration.ofMillis(1), Duration.ofSeconds(30)));
        worker = WorkerServer.start(WorkerServer.Config.parse("127.0.0.1:0"), api, dashboard.pages());
    }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.address().getPort() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pageShowsIdentityLaunchAndAValidVerdictWithoutScriptOrSecrets() throws Exception {
        start(true, true, true);
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).startsWith("default-src 'none'");
        JsonNode status = JSON.readTree(get("/status.json").body());
        String appId = status.path("app").path("app_id").asText();
        assertThat(appId).hasSize(40);
        assertThat(page.body()).contains(appId, status.path("app").path("compose_hash").asText(), "sha256:" + "1".repeat(64),
                "sha256:" + "2".repeat(64), "id=\"verdict\" class=\"ok\">VALID", "rtmr3-replay", "quote-signature")
                .contains("&lt;b&gt;dash&lt;/b&gt;", "&lt;img src=x&gt;")
                .doesNotContain("<b>dash", "<img", "<script", SECRET);
        assertThat(status.toString()).doesNotContain(SECRET);
        assertThat(status.path("attestation").path("valid").asBoolean()).as(status.path("attestation").toPrettyString()).isTrue();
        assertThat(status.path("attestation").path("tcb_status").asText()).isEqualTo("UpToDate");
        // every RTMR3 event of an honest log matches its recomputed digest
        JsonNode events = status.path("event_log");
        assertThat(events.size()).isGreaterThan(4);
        for (JsonNode e : events) if (e.path("imr").asInt() == 3) assertThat(e.path("matches").asBoolean()).as(e.toString()).isTrue();
        assertThat(status.path("launch").path("approved_hashes")).hasSize(2);
        assertThat(status.path("app_compose").asText()).isEqualTo(tdx.platform().appCompose());
        assertThat(page.body()).contains("<pre id=\"app-compose\">{&quot;manifest_version&quot;:2,&quot;name&quot;:&quot;&lt;b&gt;dash");
        assertThat(status.has("system")).isTrue();
        assertThat(get("/metrics").body()).contains("system_num_cpus ");
    }

    @Test
    void reverifyingRunsANewQuote() throws Exception {
        start(false, false, false);
        String first = JSON.readTree(get("/status.json").body()).path("attestation").path("at").asText();
        Thread.sleep(5); // the test's minimum interval is 1 ms
        String again = JSON.readTree(get("/status.json?verify").body()).path("attestation").path("at").asText();
        String cached = JSON.readTree(get("/status.json").body()).path("attestation").path("at").asText();
        assertThat(again).isNotEqualTo(first);
        assertThat(cached).isEqualTo(again);
    }

    @Test
    void flagsOffHideTheirPartsAndTheirEndpointsAre404() throws Exception {
        start(false, false, false);
        assertThat(get("/logs/mpc-node").statusCode()).isEqualTo(404);
        assertThat(get("/logs/mpc-node?follow&text").statusCode()).isEqualTo(404);
        assertThat(get("/metrics").statusCode()).isEqualTo(404);
        JsonNode status = JSON.readTree(get("/status.json").body());
        assertThat(status.has("system")).isFalse();
        assertThat(status.has("tcb")).isFalse();
        assertThat(status.has("event_log")).isFalse();
        assertThat(status.has("app_compose")).isFalse();
        String page = get("/").body();
        assertThat(page).contains("TCB info is not public").doesNotContain("<th>Logs</th>", "id=\"system\"", "id=\"events\"", "RTMR0</dt>");
        // the Worker API is still there beside the page
        assertThat(get("/prpc/Worker.Version").statusCode()).isEqualTo(200);
    }

    @Test
    void hostileInputGets4xxWithAClearBody() throws Exception {
        start(true, true, true);
        String[][] cases = {
            {"/logs/..%2F..%2Fvar%2Frun%2Fdocker.sock", "4"},
            {"/logs/a%2F..%2Fb", "4"},
            {"/logs/.hidden", "400"},
            {"/logs/x?tail=99999999", "400"},
            {"/logs/x?since=5x", "400"},
            {"/logs/x?until=-1h", "400"},
            {"/logs/x?follow=maybe", "400"},
            {"/logs/x?text=%ff", "400"},
            {"/logs/mpc-node", "404"}, // no engine configured here: 404 naming that
            {"/nope", "404"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = get(c[0]);
            assertThat(Integer.toString(r.statusCode())).as(c[0] + " " + r.body()).startsWith(c[1]);
            assertThat(r.statusCode()).as(c[0]).isBetween(400, 499);
        }
        assertThat(get("/logs/x?tail=99999999").body()).isEqualTo("tail must be all or a number of lines 0..100000\n");
        assertThat(get("/logs/x?since=5x").body()).startsWith("since must be seconds since the epoch");
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.address().getPort() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).contains("nothing on this listener changes state");
        // still serving
        assertThat(get("/").statusCode()).isEqualTo(200);
    }
}
