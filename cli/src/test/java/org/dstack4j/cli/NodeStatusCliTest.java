package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dstack4j node status} against a stand-in for an MPC node's web port (a test HTTP server serving a real
 * captured /public_data and a Prometheus /metrics text; no MPC node runs here).
 */
class NodeStatusCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    HttpServer node;
    volatile String metrics = "# TYPE near_sync_status gauge\nnear_sync_status 0\n";
    byte[] publicData;

    @BeforeEach
    void start() throws Exception {
        publicData = Files.readAllBytes(CliRun.fixtures().resolve("mpc-attestation/2026-08-14/public_data.json"));
        node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext("/public_data", ex -> {
            ex.sendResponseHeaders(200, publicData.length);
            ex.getResponseBody().write(publicData);
            ex.close();
        });
        node.createContext("/metrics", ex -> {
            byte[] b = metrics.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        node.start();
    }

    @AfterEach
    void stop() {
        node.stop(0);
    }

    CliRun status(String imageHash) throws Exception {
        JsonNode dstack = JSON.readTree(publicData).at("/tee_participant_info/Dstack");
        JsonNode tcb = dstack.get("tcb_info");
        String compose = JSON.readTree(tcb.get("app_compose").asText()).get("docker_compose_file").asText();
        String launcher = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compose.getBytes(StandardCharsets.UTF_8)));
        JsonNode collTcb = dstack.get("collateral").get("tcb_info");
        Instant at = Instant.parse(JSON.readTree(collTcb.isTextual() ? collTcb.asText() : collTcb.toString()).get("issueDate").asText()).plusSeconds(3600);
        Path images = Files.writeString(tmp.resolve("images.txt"), imageHash + "\n");
        Path launchers = Files.writeString(tmp.resolve("launchers.txt"), launcher + "\n");
        return CliRun.of("node", "status", "http://127.0.0.1:" + node.getAddress().getPort(), "--allowed-image-hashes", images.toString(),
                "--allowed-launcher-compose-hashes", launchers.toString(), "--at", at.toString());
    }

    String image() throws Exception {
        for (JsonNode e : JSON.readTree(publicData).at("/tee_participant_info/Dstack/tcb_info/event_log")) {
            if ("mpc-image-digest".equals(e.get("event").asText())) return e.get("event_payload").asText();
        }
        throw new AssertionError();
    }

    @Test
    void oneScreenWithKeysSyncAndVerdict() throws Exception {
        JsonNode pd = JSON.readTree(publicData);
        CliRun r = status(image());
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.field("signer key")).isEqualTo(pd.get("near_signer_public_key").asText());
        assertThat(r.field("p2p/TLS key")).isEqualTo(pd.get("near_p2p_public_key").asText());
        assertThat(r.field("sync")).isEqualTo("synced (near_sync_status 0 = NoSync)");
        assertThat(r.field("image digest")).isEqualTo(image());
        assertThat(r.field("attestation")).isEqualTo("VALID: every check passed");
    }

    @Test
    void syncingOrUnapprovedIsExitOneAndSaysWhy() throws Exception {
        metrics = "near_sync_status 3\n";
        CliRun syncing = status(image());
        assertThat(syncing.status()).isEqualTo(1);
        assertThat(syncing.field("sync")).isEqualTo("syncing (near_sync_status 3 = HeaderSync)");
        metrics = "near_sync_status 0\n";
        CliRun unapproved = status("ee".repeat(32));
        assertThat(unapproved.status()).isEqualTo(1);
        assertThat(unapproved.field("attestation")).startsWith("INVALID: 1 check(s) failed: ").contains("image");
        metrics = "other 1\n";
        assertThat(status(image()).field("sync")).startsWith("unknown: no near_sync_status");
    }
}
