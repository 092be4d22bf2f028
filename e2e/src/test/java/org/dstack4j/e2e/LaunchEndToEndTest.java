package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.e2e.fixtures.PublishedImage;
import org.dstack4j.e2e.fixtures.RegistryFleet;
import org.dstack4j.e2e.fixtures.RegistryServer;
import org.dstack4j.e2e.fixtures.TokenServer;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.GetQuoteResponse;
import org.dstack4j.sdk.Hex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher end to end: the real CLI jar, a private dockerd, real docker-registry instances
 * (anonymous, htpasswd, token auth) and our guest agent process on a unix socket.
 */
@ExtendWith(PrivateDockerdExtension.class)
class LaunchEndToEndTest {
    static final String NAME = "e2e/mpc-node";
    static final String SECRET = LaunchOutputs.plant("s3cr3t-" + Long.toHexString(Double.doubleToLongBits(Math.random())));
    static final String BACKUP_SECRET = LaunchOutputs.plant("b4ckup-" + Long.toHexString(System.nanoTime()));
    static final String USER = "operator";
    static final String PASSWORD = LaunchOutputs.plant("pw-" + Long.toHexString(System.nanoTime()));
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(3);

    static PrivateDockerd dockerd;
    static DockerClient docker;
    static RegistryFleet fleet;
    static AgentProcess agent;
    static PublishedImage v1;
    static PublishedImage v2;
    static PublishedImage v3;
    static PublishedImage indexed;
    static PublishedImage unrelated;
    /** Every stdout/stderr the launcher printed in this class: no secret may appear in any of it. */
    static final List<String> outputs = new ArrayList<>();

    @TempDir
    Path tmp;

    Path userConfig;
    Path approved;
    Path tapp;

    @BeforeAll
    static void startServices(PrivateDockerd engine, @TempDir Path storage) throws Exception {
        dockerd = engine;
        docker = engine.client();
        fleet = RegistryFleet.start(storage, TokenServer.Options.anonymousOrCredentials(USER, PASSWORD), USER, PASSWORD);
        OciImageBuilder builder = OciImageBuilder.fromHostBusybox();
        var publisher = fleet.publisher();
        v1 = publisher.publish(NAME, builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("v1")), List.of("1.0.0"));
        v2 = publisher.publish(NAME, builder.image(OciImage.Format.OCI, OciImageSpec.busybox("v2")), List.of("2.0.0"));
        v3 = publisher.publish(NAME, builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("v3")), List.of("3.0.0", "latest"));
        indexed = publisher.publish(NAME, builder.amd64WithArm64Decoy(OciImage.Format.OCI, "v4-multi"), List.of("multi"));
        unrelated = publisher.publish(NAME, builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("other")), List.of("other"));
        agent = AgentProcess.start();
    }

    @AfterAll
    static void stopServices() throws Exception {
        try {
            assertThat(String.join("\n", outputs)).as("launcher output must never contain a secret")
                    .doesNotContain(SECRET).doesNotContain(BACKUP_SECRET).doesNotContain(PASSWORD);
        } finally {
            if (docker != null) removeNode();
            if (agent != null) agent.close();
            if (fleet != null) fleet.close();
        }
    }

    @BeforeEach
    void files() throws IOException {
        tapp = Files.createDirectories(tmp.resolve("tapp"));
        userConfig = tapp.resolve("user_config");
        approved = tmp.resolve("image-digest.bin");
        removeNode();
    }

    @AfterEach
    void cleanUp() {
        removeNode();
    }

    // ---- success paths -------------------------------------------------------------------------

    @Test
    void teeLaunchStartsTheNewestApprovedImageAndRecordsItInRtmr3() throws Exception {
        writeApproved(v3, v2, v1);
        // host ports free right now (the daemon's userland proxy binds them on the host: fixed ones could be taken)
        int[] hostPorts = org.dstack4j.e2e.fixtures.FreePort.loopback(2);
        int web = hostPorts[0];
        int p2p = hostPorts[1];
        writeUserConfig(fleet.anonymous(), "latest", "MPC_SECRET_STORE_KEY=" + SECRET,
                "MPC_BACKUP_ENCRYPTION_KEY_HEX=" + BACKUP_SECRET, "MPC_ACCOUNT_ID=node1.testnet", "RUST_LOG=info",
                "LD_PRELOAD=/tmp/evil.so", "MPC_P2P_PRIVATE_KEY=ed25519:nope", "EXTRA=--privileged",
                "PORTS=" + web + ":8080," + p2p + ":3030,--volume /:/mnt");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE", "--output", "json", "--report", tmp.resolve("report.json").toString());

        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode report = JSON.readTree(r.stdout());
        assertThat(report.get("selected_digest").asText()).isEqualTo(v3.imageId());
        assertThat(report.get("selection_reason").asText()).contains("newest");
        assertThat(report.get("manifest_digest").asText()).isEqualTo(v3.manifestDigest());
        assertThat(JSON.readTree(Files.readString(tmp.resolve("report.json")))).isEqualTo(report);
        for (String step : List.of("environment", "user-config", "selection", "registry", "pull", "measure", "start")) {
            assertThat(r.stderr()).contains("[" + step + "] ok in ");
            assertThat(report.get("durations_ms").has(step)).as(step).isTrue();
        }

        InspectContainerResponse node = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(report.get("container_id").asText()).isEqualTo(node.getId());
        assertThat(node.getState().getRunning()).isTrue();
        assertThat(node.getImageId()).isEqualTo(v3.imageId());
        assertThat(node.getConfig().getImage()).isEqualTo(v3.imageId());
        assertThat(nodeEnv(node)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "MPC_SECRET_STORE_KEY", SECRET,
                "MPC_BACKUP_ENCRYPTION_KEY_HEX", BACKUP_SECRET,
                "MPC_ACCOUNT_ID", "node1.testnet",
                "RUST_LOG", "info",
                "MPC_IMAGE_HASH", v3.imageIdHex(),
                "MPC_LATEST_ALLOWED_HASH_FILE", "/mnt/shared/image-digest.bin",
                "DSTACK_ENDPOINT", "/var/run/dstack.sock"));
        assertThat(node.getHostConfig().getSecurityOpts()).contains("no-new-privileges:true");
        assertThat(node.getHostConfig().getRestartPolicy().getName()).isEqualTo("on-failure");
        assertThat(node.getHostConfig().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        Map<ExposedPort, Ports.Binding[]> ports = node.getHostConfig().getPortBindings().getBindings();
        assertThat(ports).containsOnlyKeys(ExposedPort.tcp(8080), ExposedPort.tcp(3030));
        assertThat(ports.get(ExposedPort.tcp(8080))[0].getHostPortSpec()).isEqualTo(Integer.toString(web));
        assertThat(ports.get(ExposedPort.tcp(3030))[0].getHostPortSpec()).isEqualTo(Integer.toString(p2p));
        assertThat(mounts(node)).containsExactlyInAnyOrder(
                "bind " + tapp + " -> /tapp ro",
                "volume shared-volume -> /mnt/shared rw",
                "volume mpc-data -> /data rw",
                "bind " + agent.socket + " -> /var/run/dstack.sock rw");
        JsonNode rejected = report.get("rejected");
        assertThat(rejected.findValuesAsText("key")).contains("LD_PRELOAD", "MPC_P2P_PRIVATE_KEY", "EXTRA", "PORTS[2]");
        assertThat(report.get("container").get("env").toString()).contains("MPC_SECRET_STORE_KEY=***");

        // RTMR3: exactly one new event, mpc-image-digest with the bare digest bytes, and the quote replays.
        EventLog log = agentLog();
        List<EventLogEntry> events = log.rtmr3Events();
        assertThat(events).hasSize(eventsBefore + 1);
        EventLogEntry last = events.get(events.size() - 1);
        assertThat(last.event()).isEqualTo("mpc-image-digest");
        assertThat(last.eventPayload()).isEqualTo(v3.imageIdHex());
        byte[] quotedRtmr3 = quoteRtmr3();
        assertThat(log.replay(3)).isEqualTo(quotedRtmr3);
        assertThat(report.get("rtmr3_after").asText()).isEqualTo(Hex.encode(quotedRtmr3));
        assertThat(report.get("rtmr3_before").asText()).isNotEqualTo(report.get("rtmr3_after").asText());
    }

    @Test
    void secondLaunchReplacesTheRunningNode() throws Exception {
        writeApproved(v3, v2);
        writeUserConfig(fleet.anonymous(), "latest");
        Cli.Result first = launch("NONTEE");
        assertThat(first.exit()).as(first.stderr()).isZero();
        String firstId = docker.inspectContainerCmd("mpc-node").exec().getId();
        String network = nodeNetworkId();

        Cli.Result second = launch("NONTEE", "--output", "json");

        assertThat(second.exit()).as(second.stderr()).isZero();
        JsonNode report = JSON.readTree(second.stdout());
        assertThat(report.get("replaced_container").asBoolean()).isTrue();
        InspectContainerResponse node = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(node.getId()).isNotEqualTo(firstId).isEqualTo(report.get("container_id").asText());
        assertThat(node.getState().getRunning()).isTrue();
        assertThat(docker.listContainersCmd().withShowAll(true).withNameFilter(List.of("mpc-node")).exec()).hasSize(1);
        // near/mpc's compose network, created once and reused: one network of that name, the same ID
        assertThat(nodeNetworkId()).isEqualTo(network);
        assertThat(docker.listNetworksCmd().withNameFilter("mpc-node_default").exec())
                .filteredOn(n -> n.getName().equals("mpc-node_default")).singleElement()
                .satisfies(n -> assertThat(n.getDriver()).isEqualTo("bridge"));
    }

    /** The ID of the only network the node is on, which must be {@code mpc-node_default} (not the default bridge). */
    private static String nodeNetworkId() {
        InspectContainerResponse node = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(node.getHostConfig().getNetworkMode()).isEqualTo("mpc-node_default");
        assertThat(node.getNetworkSettings().getNetworks()).containsOnlyKeys("mpc-node_default");
        return node.getNetworkSettings().getNetworks().get("mpc-node_default").getNetworkID();
    }

    @Test
    void overridePicksAnOlderApprovedDigest() throws Exception {
        writeApproved(v3, v2, v1);
        writeUserConfig(fleet.anonymous(), "1.0.0,latest", "MPC_HASH_OVERRIDE=" + v1.imageId());

        Cli.Result r = launch("TEE", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode report = JSON.readTree(r.stdout());
        assertThat(report.get("selected_digest").asText()).isEqualTo(v1.imageId());
        assertThat(report.get("selection_reason").asText()).contains("MPC_HASH_OVERRIDE");
        assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v1.imageId());
        assertThat(agentLog().rtmr3Events().get(agentLog().rtmr3Events().size() - 1).eventPayload()).isEqualTo(v1.imageIdHex());
    }

    @Test
    void tagsAreTriedInOrder() throws Exception {
        writeApproved(v2);
        // "absent" is 404, "other" serves another image, "2.0.0" matches, "latest" (v3) is never needed.
        writeUserConfig(fleet.anonymous(), "absent,other,2.0.0,latest");

        Cli.Result r = launch("NONTEE", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(JSON.readTree(r.stdout()).get("tag").asText()).isEqualTo("2.0.0");
        int absent = r.stderr().indexOf("absent");
        int other = r.stderr().indexOf("other");
        assertThat(absent).isNotNegative();
        assertThat(other).isGreaterThan(absent);
        assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v2.imageId());
    }

    @Test
    void multiPlatformIndexResolvesToLinuxAmd64() throws Exception {
        writeApproved(indexed);
        writeUserConfig(fleet.anonymous(), "multi");

        Cli.Result r = launch("NONTEE", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode report = JSON.readTree(r.stdout());
        assertThat(report.get("manifest_digest").asText()).isEqualTo(indexed.manifestDigest())
                .isNotEqualTo(indexed.index().orElseThrow().decoyManifestDigest());
        assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(indexed.imageId());
    }

    @Test
    void htpasswdRegistryWithCredentials() throws Exception {
        writeApproved(v2);
        writeUserConfig(fleet.basic(), "2.0.0");
        Path creds = writeCredentials(fleet.basic());

        Cli.Result r = launch("NONTEE", "--registry-credentials", creds.toString());

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v2.imageId());
    }

    @Test
    void htpasswdRegistryWithoutCredentialsFailsClosed() throws Exception {
        writeApproved(v2);
        writeUserConfig(fleet.basic(), "2.0.0");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE");

        assertFailedClosed(r, "registry", eventsBefore);
        assertThat(r.stderr()).contains("--registry-credentials");
    }

    @Test
    void tokenAuthRegistryGoesThroughTheTokenFlow() throws Exception {
        writeApproved(v3);
        writeUserConfig(fleet.token(), "3.0.0");
        fleet.tokenServer().resetRequests();

        Cli.Result r = launch("TEE", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        // tokens were really issued for a pull of the repository, for the registry's service
        assertThat(fleet.tokenServer().requests()).as("token requests").anySatisfy(q -> {
            assertThat(q.status()).isEqualTo(200);
            assertThat(q.service()).isEqualTo("dstack4j-registry");
            assertThat(q.scopes()).anyMatch(sc -> sc.startsWith("repository:") && sc.endsWith(":pull"));
        });
        assertThat(fleet.tokenServer().requests()).noneMatch(q -> q.status() >= 500);
        assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v3.imageId());
    }

    @Test
    void nonTeeMakesNoAgentCallsAndMountsNoSocket() throws Exception {
        writeApproved(v2);
        writeUserConfig(fleet.anonymous(), "2.0.0");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("NONTEE", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(JSON.readTree(r.stdout()).get("rtmr3_after").isNull()).isTrue();
        InspectContainerResponse node = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(nodeEnv(node)).doesNotContainKey("DSTACK_ENDPOINT");
        assertThat(mounts(node)).noneMatch(m -> m.contains("dstack.sock"));
        assertThat(agentLog().rtmr3Events()).hasSize(eventsBefore);
    }

    // ---- fail closed ---------------------------------------------------------------------------

    @Test
    void digestNotServedUnderAnyTagFailsClosed() throws Exception {
        writeApprovedDigests("sha256:" + "ab".repeat(32));
        writeUserConfig(fleet.anonymous(), "1.0.0,2.0.0,latest");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE");

        assertFailedClosed(r, "registry", eventsBefore);
        assertThat(r.stderr()).contains("Image hash not found among tags");
    }

    @Test
    void registryDownFailsClosedWithinItsRetryBound() throws Exception {
        writeApproved(v3);
        int closedPort = org.dstack4j.e2e.fixtures.FreePort.loopback();
        Files.writeString(userConfig, String.join("\n", "MPC_IMAGE_NAME=" + NAME, "MPC_REGISTRY=127.0.0.1:" + closedPort,
                "MPC_IMAGE_TAGS=latest", "RPC_MAX_ATTEMPTS=3", "RPC_REQUEST_INTERVAL_SECS=0.1", "RPC_REQUEST_TIMEOUT_SECS=2"));
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE");

        assertFailedClosed(r, "registry", eventsBefore);
        assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void unknownImageFailsClosed() throws Exception {
        writeApproved(v3);
        Files.writeString(userConfig, String.join("\n", "MPC_IMAGE_NAME=e2e/no-such-image",
                "MPC_REGISTRY=" + fleet.anonymous().hostPort(), "MPC_IMAGE_TAGS=latest"));
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE");

        assertFailedClosed(r, "registry", eventsBefore);
    }

    @Test
    void agentSocketMissingInTeeFailsClosed() throws Exception {
        writeApproved(v3);
        writeUserConfig(fleet.anonymous(), "latest");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE", "--dstack-socket", tmp.resolve("no-agent.sock").toString());

        assertFailedClosed(r, "environment", eventsBefore);
        assertThat(r.stderr()).contains("no-agent.sock");
    }

    @Test
    void malformedApprovedHashesFileFailsClosed() throws Exception {
        Files.writeString(approved, "{\"approved_hashes\": [\"sha256:NOT-HEX\"]}");
        writeUserConfig(fleet.anonymous(), "latest");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE");

        assertFailedClosed(r, "selection", eventsBefore);
        assertThat(r.stderr()).contains(approved.toString());
    }

    @Test
    void dryRunContactsNothingAndPrintsThePlan() throws Exception {
        writeApproved(v3, v2);
        writeUserConfig(fleet.anonymous(), "latest", "MPC_SECRET_STORE_KEY=" + SECRET, "PORTS=18080:8080");
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result r = launch("TEE", "--dry-run", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode plan = JSON.readTree(r.stdout());
        assertThat(plan.get("selected_digest").asText()).isEqualTo(v3.imageId());
        assertThat(plan.get("approved_hashes").get(1).asText()).isEqualTo(v2.imageId());
        assertThat(plan.get("image").get("registry").asText()).isEqualTo(fleet.anonymous().hostPort());
        assertThat(plan.get("container").get("env").toString()).contains("MPC_SECRET_STORE_KEY=***");
        assertThat(plan.get("container").get("ports").get(0).asText()).isEqualTo("18080:8080");
        assertThat(plan.get("container").get("restart_policy").asText()).isEqualTo("on-failure");
        assertThat(plan.get("container").get("network").asText()).isEqualTo("mpc-node_default");
        assertThat(nodeExists()).isFalse();
        assertThat(agentLog().rtmr3Events()).hasSize(eventsBefore);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void assertFailedClosed(Cli.Result r, String step, int eventsBefore) throws Exception {
        assertThat(r.exit()).as(r.all()).isNotZero();
        String[] errLines = r.stderr().strip().split("\n");
        String last = errLines[errLines.length - 1];
        assertThat(last).startsWith("launch failed at " + step + ":").contains("fix:");
        assertThat(nodeExists()).as("no container may be created").isFalse();
        assertThat(agentLog().rtmr3Events()).as("RTMR3 must not be extended").hasSize(eventsBefore);
    }

    private Cli.Result launch(String platform, String... extra) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_CONTENT_TRUST", "1");
        env.put("PLATFORM", platform);
        List<String> args = new ArrayList<>(List.of("launch",
                "--user-config", userConfig.toString(),
                "--approved-hashes", approved.toString(),
                "--docker-host", dockerd.dockerHost(),
                "--tapp-dir", tapp.toString()));
        if (!List.of(extra).contains("--dstack-socket")) {
            args.addAll(List.of("--dstack-socket", agent.socket.toString()));
        }
        args.addAll(List.of(extra));
        Cli.Result r = Cli.run(env, LAUNCH_TIMEOUT, args.toArray(String[]::new));
        synchronized (outputs) {
            outputs.add(r.all());
        }
        return r;
    }

    private void writeApproved(PublishedImage... images) throws IOException {
        writeApprovedDigests(java.util.Arrays.stream(images).map(PublishedImage::imageId).toArray(String[]::new));
    }

    private void writeApprovedDigests(String... digests) throws IOException {
        Files.writeString(approved, JSON.writeValueAsString(Map.of("approved_hashes", List.of(digests))));
    }

    private void writeUserConfig(RegistryServer registry, String tags, String... more) throws IOException {
        List<String> lines = new ArrayList<>(List.of("# e2e", "MPC_IMAGE_NAME=" + NAME, "MPC_REGISTRY=" + registry.hostPort(),
                "MPC_IMAGE_TAGS=" + tags, "RPC_MAX_ATTEMPTS=3", "RPC_REQUEST_INTERVAL_SECS=0.1"));
        lines.addAll(List.of(more));
        Files.writeString(userConfig, String.join("\n", lines) + "\n");
    }

    private Path writeCredentials(RegistryServer registry) throws IOException {
        String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes());
        return Files.writeString(tmp.resolve("credentials.json"),
                "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
    }

    private static EventLog agentLog() throws Exception {
        return LaunchFixtures.agentLog(agent);
    }

    private static byte[] quoteRtmr3() throws Exception {
        try (DstackClient c = agent.client()) {
            GetQuoteResponse q = c.getQuote(new byte[0]);
            return TdxQuote.parse(q.quote()).tdReport().rtmr3();
        }
    }

    /** The container's env minus what its image's config sets (the engine merges both). */
    private static Map<String, String> nodeEnv(InspectContainerResponse node) {
        Map<String, String> env = parseEnv(node.getConfig().getEnv());
        String[] imageEnv = docker.inspectImageCmd(node.getImageId()).exec().getConfig().getEnv();
        parseEnv(imageEnv == null ? new String[0] : imageEnv).forEach(env::remove);
        env.remove("PATH"); // the engine's default
        return env;
    }

    private static Map<String, String> parseEnv(String[] entries) {
        Map<String, String> env = new HashMap<>();
        for (String kv : entries) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    private static List<String> mounts(InspectContainerResponse node) {
        return node.getMounts().stream()
                .map(m -> (m.getName() != null && m.getDriver() != null ? "volume " + m.getName() : "bind " + m.getSource())
                        + " -> " + m.getDestination().getPath() + (Boolean.TRUE.equals(m.getRW()) ? " rw" : " ro"))
                .toList();
    }

    private static boolean nodeExists() {
        return LaunchFixtures.nodeExists(docker);
    }

    private static void removeNode() {
        LaunchFixtures.removeNode(docker);
    }
}
