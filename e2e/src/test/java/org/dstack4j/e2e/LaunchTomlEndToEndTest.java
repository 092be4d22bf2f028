package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageIndex;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.e2e.fixtures.PublishedImage;
import org.dstack4j.e2e.fixtures.RegistryFleet;
import org.dstack4j.e2e.fixtures.TokenServer;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher in TOML mode (today's production generation) end to end: the real CLI, a private
 * dockerd, a real docker-registry and our guest agent. The approved digests are manifest digests, one
 * of a plain image manifest and one of a multi-platform index; the node image has an
 * {@code /app/mpc-node} script that logs its start and the {@code [tee]} lines of the config it reads.
 * The user_config is the production operator template ({@code fixtures/launcher-2026/user-config.toml})
 * with the image reference, ports and secrets of this test put in.
 */
@ExtendWith(PrivateDockerdExtension.class)
class LaunchTomlEndToEndTest {
    static final String NAME = "e2e/mpc-node-toml";
    static final String SECRET = LaunchOutputs.plant("t0ml-s3cr3t-" + Long.toHexString(System.nanoTime()));
    static final ObjectMapper JSON = new ObjectMapper();
    static final TomlMapper TOML = new TomlMapper();
    static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(3);
    /** The node: logs its start and the [tee] lines of its config file, then stays up. */
    static final String NODE_SCRIPT = """
            #!/bin/sh
            echo "mpc-node started: $*"
            while IFS= read -r line; do
              case "$line" in tee.*) echo "config: $line";; esac
            done < "$2"
            exec sleep 2147483647
            """;

    static PrivateDockerd dockerd;
    static DockerClient docker;
    static RegistryFleet fleet;
    static AgentProcess agent;
    static PublishedImage plain;
    static PublishedImage multi;
    static String multiIndexDigest;
    static Path sharedVolume;
    static final List<String> outputs = new ArrayList<>();

    @TempDir
    Path tmp;
    Path tapp;
    Path userConfig;
    Path approved;

    @BeforeAll
    static void startServices(PrivateDockerd engine, @TempDir Path storage) throws Exception {
        dockerd = engine;
        docker = engine.client();
        fleet = RegistryFleet.start(storage, TokenServer.Options.anonymousOrCredentials("u", "p-unused"), "u", "p-unused");
        OciImageBuilder builder = OciImageBuilder.fromHostBusybox();
        Map<String, String> node = Map.of("app/mpc-node", NODE_SCRIPT);
        var publisher = fleet.publisher();
        plain = publisher.publish(NAME, builder.image(OciImage.Format.OCI, OciImageSpec.busybox("toml-plain"), node),
                List.of("plain"));
        OciImage decoy = builder.image(OciImage.Format.OCI, OciImageSpec.arm64Decoy("toml-multi (arm64 decoy)"));
        OciImage amd64 = builder.image(OciImage.Format.OCI, OciImageSpec.busybox("toml-multi"), node);
        OciImageIndex index = OciImageBuilder.index(OciImage.Format.OCI, List.of(decoy, amd64));
        multi = publisher.publish(NAME, index, List.of("multi"));
        multiIndexDigest = multi.index().orElseThrow().digest();
        agent = AgentProcess.start();
        docker.createVolumeCmd().withName("shared-volume").exec();
        sharedVolume = Path.of(docker.inspectVolumeCmd("shared-volume").exec().getMountpoint());
    }

    @AfterAll
    static void stopServices() throws Exception {
        try {
            assertThat(String.join("\n", outputs)).as("launcher output must never contain a secret").doesNotContain(SECRET);
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
        Files.deleteIfExists(sharedVolume.resolve("mpc-config.toml"));
    }

    @Test
    void manifestDigestsLaunchTheNodeAsProductionRunsItAndAnUnchangedRelaunchKeepsIt() throws Exception {
        // 1. the approved digest is the digest of a plain image manifest
        writeApproved(plain.manifestDigest(), multiIndexDigest);
        writeUserConfig(operatorTemplate());
        int eventsBefore = agentLog().rtmr3Events().size();

        Cli.Result first = launch("TEE", "--output", "json");

        assertThat(first.exit()).as(first.all()).isZero();
        JsonNode report = JSON.readTree(first.stdout());
        assertThat(report.get("selected_digest").asText()).isEqualTo(plain.manifestDigest());
        assertThat(report.get("digest_kind").asText()).isEqualTo("manifest");
        assertThat(report.get("image_id").asText()).isEqualTo(plain.imageId());
        assertThat(report.get("reused_container").asBoolean()).isFalse();
        assertThat(report.toString()).contains("\"secrets\":\"***\"").doesNotContain(SECRET);

        InspectContainerResponse node = docker.inspectContainerCmd("mpc-node").exec();
        String firstId = node.getId();
        assertThat(node.getState().getRunning()).isTrue();
        assertThat(node.getImageId()).isEqualTo(plain.imageId());
        assertThat(node.getConfig().getCmd()).containsExactly("/app/mpc-node", "start-with-config-file", "/mnt/shared/mpc-config.toml");
        assertThat(nodeEnv(node)).containsExactlyEntriesOf(Map.of("DSTACK_ENDPOINT", "/var/run/dstack.sock"));
        assertThat(node.getHostConfig().getSecurityOpts()).containsExactly("no-new-privileges:true");
        assertThat(node.getHostConfig().getRestartPolicy().getName()).isEqualTo("on-failure");
        assertThat(node.getHostConfig().getPortBindings().getBindings()).containsOnlyKeys(ExposedPort.tcp(80), ExposedPort.tcp(8080));
        assertThat(node.getMounts().stream().map(m -> m.getDestination().getPath()).toList())
                .containsExactlyInAnyOrder("/tapp", "/mnt/shared", "/data", "/var/run/dstack.sock");
        assertThat(docker.inspectImageCmd(plain.imageId()).exec().getRepoDigests()).anyMatch(d -> d.endsWith("@" + plain.manifestDigest()));

        // the config file on shared-volume: [tee] injected, operator settings kept, mode 0600
        Path configFile = sharedVolume.resolve("mpc-config.toml");
        JsonNode config = TOML.readTree(Files.readString(configFile));
        assertThat(config.at("/tee/image_hash").asText()).isEqualTo(plain.manifestDigest());
        assertThat(config.at("/tee/authority/type").asText()).isEqualTo("dstack");
        assertThat(config.at("/tee/authority/dstack_endpoint").asText()).isEqualTo("/var/run/dstack.sock");
        assertThat(config.at("/tee/latest_allowed_hash_file_path").asText()).isEqualTo("/mnt/shared/image-digest.bin");
        assertThat(config.at("/node/my_near_account_id").asText()).isEqualTo("your-mpc-account.testnet");
        assertThat(config.at("/node/indexer/mpc_contract_id").asText()).isEqualTo("v1.signer-prod.testnet");
        assertThat(config.at("/secrets/secret_store_key_hex").asText()).isEqualTo(SECRET);
        assertThat(config.at("/pccs_endpoints/1/url").asText()).isEqualTo("https://api.trustedservices.intel.com/");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile))).isEqualTo("rw-------");
        // the node read it at /mnt/shared/mpc-config.toml
        String logs = awaitLogs(firstId, "config: tee.image_hash");
        assertThat(logs).contains("mpc-node started: start-with-config-file /mnt/shared/mpc-config.toml")
                .contains(plain.manifestDigest());

        // RTMR3: the last event is mpc-image-digest with the manifest digest
        List<EventLogEntry> events = agentLog().rtmr3Events();
        assertThat(events).hasSize(eventsBefore + 1);
        assertThat(events.getLast().event()).isEqualTo("mpc-image-digest");
        assertThat(events.getLast().eventPayload()).isEqualTo(plain.manifestDigest().substring("sha256:".length()));

        // 2. an unchanged relaunch keeps the container and its logs (near/mpc #3705)
        Cli.Result second = launch("TEE", "--output", "json");
        assertThat(second.exit()).as(second.all()).isZero();
        JsonNode again = JSON.readTree(second.stdout());
        assertThat(again.get("reused_container").asBoolean()).isTrue();
        assertThat(again.get("container_id").asText()).isEqualTo(firstId);
        assertThat(docker.inspectContainerCmd("mpc-node").exec().getId()).isEqualTo(firstId);
        assertThat(logs(firstId)).contains("mpc-node started: start-with-config-file");

        // 3. a new approved digest (a multi-platform index) replaces it
        writeApproved(multiIndexDigest, plain.manifestDigest());
        Cli.Result third = launch("TEE", "--output", "json");
        assertThat(third.exit()).as(third.all()).isZero();
        JsonNode replaced = JSON.readTree(third.stdout());
        assertThat(replaced.get("selected_digest").asText()).isEqualTo(multiIndexDigest);
        assertThat(replaced.get("digest_kind").asText()).isEqualTo("manifest");
        assertThat(replaced.get("replaced_container").asBoolean()).isTrue();
        InspectContainerResponse newNode = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(newNode.getId()).isNotEqualTo(firstId);
        assertThat(newNode.getImageId()).isEqualTo(multi.imageId()); // the linux/amd64 image, not the arm64 decoy
        assertThat(docker.inspectImageCmd(multi.imageId()).exec().getRepoDigests()).anyMatch(d -> d.endsWith("@" + multiIndexDigest));
        assertThat(TOML.readTree(Files.readString(configFile)).at("/tee/image_hash").asText()).isEqualTo(multiIndexDigest);
        assertThat(awaitLogs(newNode.getId(), "config: tee.image_hash")).contains(multiIndexDigest);
        List<EventLogEntry> after = agentLog().rtmr3Events();
        assertThat(after.getLast().event()).isEqualTo("mpc-image-digest");
        assertThat(after.getLast().eventPayload()).isEqualTo(multiIndexDigest.substring("sha256:".length()));
    }

    @Test
    void refusedInputsStartNothingAndLeaveRtmr3Alone() throws Exception {
        String template = operatorTemplate();
        record Case(String what, String userConfig, String approvedDigest, String step) {}
        List<Case> cases = List.of(
                new Case("[tee] in the user's node config", template + "\n[mpc_node_config.tee]\nimage_hash = \"sha256:"
                        + "0".repeat(64) + "\"\n", plain.manifestDigest(), "user-config"),
                new Case("gcp in TEE mode", template + "\n[mpc_node_config.gcp]\nproject_id = \"p\"\n", plain.manifestDigest(),
                        "user-config"),
                new Case("a bad image_reference", template.replace("image_reference = \"" + fleet.anonymous().hostPort() + "/" + NAME + "\"",
                        "image_reference = \"" + fleet.anonymous().hostPort() + "//" + NAME + "\""), plain.manifestDigest(), "user-config"),
                new Case("a digest the registry does not serve", template, "sha256:" + "ab".repeat(32), "registry"));
        for (Case c : cases) {
            writeUserConfig(c.userConfig());
            writeApproved(c.approvedDigest());
            int eventsBefore = agentLog().rtmr3Events().size();

            Cli.Result r = launch("TEE");

            assertThat(r.exit()).as(c.what() + ": " + r.all()).isNotZero();
            String[] lines = r.stderr().strip().split("\n");
            assertThat(lines[lines.length - 1]).as(c.what()).startsWith("launch failed at " + c.step() + ":").contains("fix:");
            assertThat(nodeExists()).as(c.what() + ": nothing started").isFalse();
            assertThat(agentLog().rtmr3Events()).as(c.what() + ": RTMR3 unchanged").hasSize(eventsBefore);
            assertThat(Files.exists(sharedVolume.resolve("mpc-config.toml"))).as(c.what() + ": no config written").isFalse();
        }
    }

    // ---- helpers

    /** The production operator template with this test's registry, free ports and a planted secret. */
    private static String operatorTemplate() throws IOException {
        Path fixtures = System.getenv("DSTACK4J_FIXTURES") != null ? Path.of(System.getenv("DSTACK4J_FIXTURES"))
                : Path.of("..", "fixtures").toAbsolutePath().normalize();
        String text = Files.readString(fixtures.resolve("launcher-2026/user-config.toml"));
        int[] host = org.dstack4j.e2e.fixtures.FreePort.loopback(2); // two distinct ports (two separate draws can repeat one)
        String ports = "port_mappings = [\n    { host = " + host[0] + ", container = 80 },\n    { host = " + host[1]
                + ", container = 8080 },\n]\npull_max_retries = 1\npull_retry_interval_secs = 0\n";
        int start = text.indexOf("port_mappings = [");
        int end = text.indexOf("]\n", text.indexOf("{ host = 24567")) + 2;
        text = text.substring(0, start) + ports + text.substring(end);
        return text.replace("image_reference = \"nearone/mpc-node\"",
                        "image_reference = \"" + fleet.anonymous().hostPort() + "/" + NAME + "\"")
                .replace("REPLACE_ME_WITH_16_BYTE_HEX_KEY_", SECRET);
    }

    private Cli.Result launch(String platform, String... extra) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_CONTENT_TRUST", "1");
        env.put("PLATFORM", platform);
        List<String> args = new ArrayList<>(List.of("launch", "--user-config-format", "toml",
                "--user-config", userConfig.toString(),
                "--approved-hashes", approved.toString(),
                "--node-config-file", sharedVolume.resolve("mpc-config.toml").toString(),
                "--docker-host", dockerd.dockerHost(),
                "--tapp-dir", tapp.toString(),
                "--dstack-socket", agent.socket.toString()));
        args.addAll(List.of(extra));
        Cli.Result r = Cli.run(env, LAUNCH_TIMEOUT, args.toArray(String[]::new));
        synchronized (outputs) {
            outputs.add(r.all());
        }
        return r;
    }

    private void writeApproved(String... digests) throws IOException {
        Files.writeString(approved, JSON.writeValueAsString(Map.of("approved_hashes", List.of(digests))));
    }

    private void writeUserConfig(String text) throws IOException {
        Files.writeString(userConfig, text);
    }

    private static EventLog agentLog() throws Exception {
        return LaunchFixtures.agentLog(agent);
    }

    private static String logs(String containerId) throws InterruptedException {
        return ContainerLogs.read(docker, containerId);
    }

    private static String awaitLogs(String containerId, String expected) throws InterruptedException {
        return ContainerLogs.await(docker, containerId, expected);
    }

    /** The container's env minus what its image's config sets. */
    private static Map<String, String> nodeEnv(InspectContainerResponse node) {
        Map<String, String> env = new HashMap<>();
        List<String> imageEnv = List.of(docker.inspectImageCmd(node.getImageId()).exec().getConfig().getEnv());
        for (String kv : node.getConfig().getEnv()) {
            if (imageEnv.contains(kv) || kv.startsWith("PATH=")) continue;
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    private static boolean nodeExists() {
        return LaunchFixtures.nodeExists(docker);
    }

    private static void removeNode() {
        LaunchFixtures.removeNode(docker);
    }
}
