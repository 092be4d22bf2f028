package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.e2e.fixtures.ImagePublisher;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PublishedImage;
import org.dstack4j.e2e.fixtures.RegistryAuth;
import org.dstack4j.e2e.fixtures.RegistryServer;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher image ({@code scripts/launcher-image}): built twice to the same digests, and run as
 * the launcher under the contract's compose template, by the real {@code docker-compose}, against a
 * dedicated private dockerd, launching a node image from a local {@code docker-registry} (with a TOML
 * and with a {@code .env} user_config) and measuring it into our simulator agent.
 *
 * <p>The template is rendered exactly as the contract does (two {@code {{…}}} substitutions). A
 * compose override file carries this test's deviations, each because the test host is not a CVM:
 * {@code network_mode: host} (the registry listens on the host's 127.0.0.1 only), and the
 * {@code /tapp} source plus the launcher's {@code --tapp-dir} (the host has no {@code /tapp}). The
 * production socket paths need no deviation: the daemon runs in its own mount namespace whose
 * {@code /var/run} holds its own socket and the agent's ({@link PrivateDockerd.Options}). The launcher
 * image is pulled by the template's own name {@code nearone/mpc-launcher@sha256:…} through the
 * daemon's registry mirror, the local registry.
 */
class LauncherImageTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path SCRIPT = ROOT.resolve("scripts/launcher-image");
    static final Path TEMPLATE = ROOT.resolve("fixtures/operator/launcher_docker_compose.yaml.template");
    static final String LAUNCHER_REPO = "nearone/mpc-launcher";
    static final String NODE_REPO = "e2e/mpc-node";
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(8);
    static final Duration COMPOSE_TIMEOUT = Duration.ofMinutes(5);
    static final ObjectMapper JSON = new ObjectMapper();
    /** The node: logs its arguments and the image_hash line of the config file it was given, then stays up. */
    static final String NODE_SCRIPT = """
            #!/bin/sh
            echo "mpc-node started: $*"
            while IFS= read -r line; do
              case "$line" in *image_hash*) echo "config: $line";; esac
            done < "$2"
            exec sleep 2147483647
            """;
    static final String SECRET = LaunchOutputs.plant("img-s3cr3t-" + Long.toHexString(System.nanoTime()));
    /** glibc, exactly: what the jlinked runtime's native code needs (docs/launcher-image.md). */
    static final List<String> HOST_LIBS = List.of("ld-linux-x86-64.so.2", "libc.so.6", "libdl.so.2", "libm.so.6",
            "libpthread.so.0", "librt.so.1");

    @TempDir
    static Path work;

    static RegistryServer registry;
    static AgentProcess agent;
    static PrivateDockerd dockerd;
    static DockerClient docker;
    static BuiltImage built;
    static PublishedImage node;

    /** What one run of the script produced, read back from its OCI layout. */
    record BuiltImage(String manifestDigest, String configDigest, String layerDigest, Path blobs, String output) {
        Path blob(String digest) {
            return blobs.resolve(digest.substring("sha256:".length()));
        }

        String manifestHex() {
            return manifestDigest.substring("sha256:".length());
        }
    }

    @BeforeAll
    static void buildPushAndStart() throws Exception {
        registry = RegistryServer.start(RegistryAuth.anonymous());
        built = build(work.resolve("build-1"), "--push", "docker://" + registry.hostPort() + "/" + LAUNCHER_REPO + ":e2e");
        try (ImagePublisher publisher = new ImagePublisher(registry.baseUri())) {
            node = publisher.publish(NODE_REPO, OciImageBuilder.fromHostBusybox().image(OciImage.Format.OCI,
                    OciImageSpec.busybox("node launched by the launcher image"), Map.of("app/mpc-node", NODE_SCRIPT)),
                    List.of("latest"));
        }
        agent = AgentProcess.start();
        dockerd = PrivateDockerd.start(new PrivateDockerd.Options(List.of(registry.baseUri().toString()), Optional.of(agent.socket)));
        docker = dockerd.client();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (docker != null) docker.close();
        } finally {
            if (dockerd != null) dockerd.close();
            if (agent != null) agent.close();
            if (registry != null) registry.close();
        }
    }

    @Test
    void twoBuildsFromTheSameCommitGiveTheSameDigests() throws Exception {
        BuiltImage again = build(work.resolve("build-2"));

        assertThat(again.manifestDigest()).isEqualTo(built.manifestDigest());
        assertThat(again.configDigest()).isEqualTo(built.configDigest());
        assertThat(again.layerDigest()).isEqualTo(built.layerDigest());
        assertThat(again.output()).contains("manifest digest:   " + built.manifestDigest());
    }

    @Test
    void imageHoldsTheRuntimeTheCliAndGlibcOnlyWithNoShell() throws Exception {
        JsonNode config = JSON.readTree(Files.readAllBytes(built.blob(built.configDigest())));
        assertThat(config.get("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(config.at("/config/Entrypoint").toString()).startsWith("[\"/opt/java/bin/java\"")
                .endsWith("\"-jar\",\"/app/dstack4j-launcher.jar\",\"launch\"]");
        assertThat(config.at("/config/Cmd").isMissingNode()).isTrue();

        List<String> names = new ArrayList<>();
        String release = null;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(built.blob(built.layerDigest())));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextTarEntry(); e != null; e = tar.getNextTarEntry()) {
                names.add(e.getName());
                assertThat(e.getModTime().getTime()).as(e.getName()).isZero();
                assertThat(e.getLongUserId()).as(e.getName()).isZero();
                assertThat(e.getLongGroupId()).as(e.getName()).isZero();
                if (e.getName().equals("opt/java/release")) {
                    release = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        assertThat(names).isSorted();
        assertThat(names).contains("opt/java/bin/java", "opt/java/lib/server/libjvm.so", "opt/java/lib/modules",
                "app/dstack4j-launcher.jar", "etc/passwd", "lib64/ld-linux-x86-64.so.2");
        assertThat(names).anyMatch(n -> n.startsWith("app/lib/dstack4j-launcher-"));
        // the launcher-only jar (launcher-app): none of the CLI's other modules or their libraries on the trusted path
        assertThat(names).noneMatch(n -> n.matches("app/lib/(dstack4j-(agent|chain|cluster|measure|near|tls|vmm|volume|cli)"
                + "|jetty-server|jetty-unixdomain-server|acme4j|jose4j|headlong|gson)-.*"));
        assertThat(names).noneMatch(n -> n.equals("app/dstack4j.jar"));
        // no native library of the application's own, and no Docker library (the launcher has its own engine client)
        assertThat(names).noneMatch(n -> n.startsWith("app/native") || n.contains("jna-") || n.contains("docker-java"));
        assertThat(names.stream().filter(n -> n.startsWith("lib/x86_64-linux-gnu/") && !n.endsWith("/")))
                .containsExactlyInAnyOrderElementsOf(HOST_LIBS.stream().map(l -> "lib/x86_64-linux-gnu/" + l).toList());
        assertThat(names).noneMatch(n -> n.matches("(.*/)?(sh|bash|dash|busybox)"));
        assertThat(names).noneMatch(n -> n.startsWith("bin/") || n.startsWith("usr/"));
        // only what jdeps found: no compiler, shell, debugger or jlink in the runtime
        assertThat(release).contains("java.base").doesNotContain("jdk.compiler", "jdk.jshell", "jdk.jdi", "jdk.jlink");

        // skopeo pushed the layout without rewriting it: the registry serves the same manifest digest
        HttpResponse<byte[]> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        registry.baseUri().resolve("/v2/" + LAUNCHER_REPO + "/manifests/e2e"))
                .header("Accept", "application/vnd.oci.image.manifest.v1+json").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(OciImage.sha256(served.body())).isEqualTo(built.manifestDigest());
    }

    @Test
    void launcherInItsImageRunsTheNodeFromTomlUserConfig() throws Exception {
        // production: no approved-hashes file yet, so DEFAULT_IMAGE_DIGEST (a manifest digest) is launched
        String userConfig = operatorTemplate();
        int eventsBefore = agentLog().rtmr3Events().size();

        Launched run = runUnderTemplate(userConfig, node.manifestDigest());

        assertThat(run.output()).contains("TOML format from /tapp/user_config"); // auto-detected: the template passes no format
        InspectContainerResponse mpcNode = run.node();
        assertThat(mpcNode.getImageId()).isEqualTo(node.imageId());
        assertThat(docker.inspectImageCmd(node.imageId()).exec().getRepoDigests())
                .anyMatch(d -> d.endsWith("@" + node.manifestDigest()));
        assertThat(mpcNode.getConfig().getCmd())
                .containsExactly("/app/mpc-node", "start-with-config-file", "/mnt/shared/mpc-config.toml");
        assertThat(mpcNode.getConfig().getEnv()).contains("DSTACK_ENDPOINT=/var/run/dstack.sock")
                .noneMatch(e -> e.startsWith("MPC_"));
        // the launcher wrote the node's config into shared-volume from inside its read-only container
        Path configFile = Path.of(docker.inspectVolumeCmd("shared-volume").exec().getMountpoint()).resolve("mpc-config.toml");
        JsonNode config = new TomlMapper().readTree(Files.readString(configFile));
        assertThat(config.at("/tee/image_hash").asText()).isEqualTo(node.manifestDigest());
        assertThat(config.at("/tee/authority/type").asText()).isEqualTo("dstack");
        assertThat(config.at("/tee/authority/dstack_endpoint").asText()).isEqualTo("/var/run/dstack.sock");
        assertThat(config.at("/secrets/secret_store_key_hex").asText()).isEqualTo(SECRET);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile))).isEqualTo("rw-------");
        assertThat(ContainerLogs.await(docker, mpcNode.getId(), "image_hash")).contains("mpc-node started: start-with-config-file /mnt/shared/mpc-config.toml")
                .contains(node.manifestDigest());
        assertMeasured(eventsBefore, node.manifestDigest());
    }

    @Test
    void launcherInItsImageRunsTheNodeFromEnvUserConfig() throws Exception {
        String userConfig = String.join("\n", "# e2e: the launcher inside its image, .env user_config",
                "MPC_IMAGE_NAME=" + NODE_REPO, "MPC_REGISTRY=" + registry.hostPort(), "MPC_IMAGE_TAGS=latest",
                "MPC_ACCOUNT_ID=node1.testnet", "MPC_SECRET_STORE_KEY=" + SECRET, "RPC_MAX_ATTEMPTS=3",
                "RPC_REQUEST_INTERVAL_SECS=0.1") + "\n";
        int eventsBefore = agentLog().rtmr3Events().size();

        // the seed's generation: DEFAULT_IMAGE_DIGEST is the node's image ID (config digest)
        Launched run = runUnderTemplate(userConfig, node.imageId());

        assertThat(run.output()).contains(".env format");
        InspectContainerResponse mpcNode = run.node();
        assertThat(mpcNode.getImageId()).isEqualTo(node.imageId());
        assertThat(mpcNode.getConfig().getEnv()).contains("MPC_SECRET_STORE_KEY=" + SECRET, "MPC_ACCOUNT_ID=node1.testnet",
                "MPC_IMAGE_HASH=" + node.imageIdHex(), "DSTACK_ENDPOINT=/var/run/dstack.sock");
        assertMeasured(eventsBefore, node.imageId());
    }

    /** What {@code docker-compose up} printed (the launcher's progress), the launcher container and the node it started. */
    record Launched(String output, InspectContainerResponse launcher, InspectContainerResponse node) {}

    /**
     * Renders the contract template with the built launcher digest and {@code defaultDigest}, writes
     * {@code userConfig} to the test's {@code /tapp}, runs {@code docker-compose up} until the launcher
     * exits, and checks what every run must show: exit 0, no secret in the output, the launcher container
     * exactly as the template says, and a running {@code mpc-node} with the production mounts.
     */
    private Launched runUnderTemplate(String userConfig, String defaultDigest) throws Exception {
        Path dir = Files.createDirectories(work.resolve("compose"));
        Path tapp = Files.createDirectories(dir.resolve("tapp"));
        Files.writeString(tapp.resolve("user_config"), userConfig);
        String rendered = Files.readString(TEMPLATE)
                .replace("{{LAUNCHER_IMAGE_HASH}}", built.manifestHex())
                .replace("{{DEFAULT_IMAGE_DIGEST_HASH}}", defaultDigest.substring("sha256:".length()));
        assertThat(rendered).doesNotContain("{{").contains("image: " + LAUNCHER_REPO + "@" + built.manifestDigest());
        Path compose = Files.writeString(dir.resolve("launcher_docker_compose.yaml"), rendered);
        Path override = Files.writeString(dir.resolve("e2e-override.yaml"), """
                version: '3.8'
                # This test's deviations from the contract's template (the host is not a CVM):
                services:
                  launcher:
                    network_mode: host         # the registry listens on the host's 127.0.0.1 only
                    volumes:
                      - %1$s:/tapp:ro          # the host has no /tapp
                    command: ["--tapp-dir", "%1$s"]
                """.formatted(tapp));

        HostCommand.Run up = compose(compose, override, "up", "--exit-code-from", "launcher");
        LaunchOutputs.record("docker-compose up (launcher in its image)", up.output()); // read by the secret-leak checks

        assertThat(up.exit()).as(up.output()).isZero();
        assertThat(up.output()).contains("[start] ok in ").doesNotContain(SECRET);
        InspectContainerResponse launcher = docker.inspectContainerCmd("launcher").exec();
        assertThat(launcher.getConfig().getImage()).isEqualTo(LAUNCHER_REPO + "@" + built.manifestDigest());
        assertThat(launcher.getImageId()).isEqualTo(built.configDigest());
        assertThat(docker.inspectImageCmd(built.configDigest()).exec().getRepoDigests())
                .contains(LAUNCHER_REPO + "@" + built.manifestDigest());
        assertThat(launcher.getState().getExitCodeLong()).isZero();
        assertThat(launcher.getHostConfig().getReadonlyRootfs()).isTrue();
        assertThat(launcher.getHostConfig().getTmpFs()).containsKey("/tmp");
        assertThat(launcher.getHostConfig().getSecurityOpts()).containsExactly("no-new-privileges:true");
        assertThat(launcher.getHostConfig().getNetworkMode()).isEqualTo("host");
        assertThat(launcher.getConfig().getEnv()).contains("PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1",
                "DEFAULT_IMAGE_DIGEST=" + defaultDigest);
        assertThat(mounts(launcher)).containsExactlyInAnyOrder(
                "bind /var/run/docker.sock -> /var/run/docker.sock rw",
                "bind /var/run/dstack.sock -> /var/run/dstack.sock rw",
                "bind " + tapp + " -> /tapp ro",
                "volume shared-volume -> /mnt/shared rw");

        InspectContainerResponse mpcNode = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(mpcNode.getState().getRunning()).isTrue();
        assertThat(mpcNode.getHostConfig().getSecurityOpts()).containsExactly("no-new-privileges:true");
        assertThat(mounts(mpcNode)).contains("bind /var/run/dstack.sock -> /var/run/dstack.sock rw",
                "bind " + tapp + " -> /tapp ro", "volume shared-volume -> /mnt/shared rw");
        return new Launched(up.output(), launcher, mpcNode);
    }

    /** Removes what a run left: the compose project (containers, network, shared-volume) and mpc-node. */
    @AfterEach
    void removeContainers() throws Exception {
        if (docker == null) return; // the services did not start; @BeforeAll reported why
        LaunchFixtures.removeNode(docker);
        Path dir = work.resolve("compose");
        if (Files.exists(dir.resolve("launcher_docker_compose.yaml"))) {
            HostCommand.Run down = compose(dir.resolve("launcher_docker_compose.yaml"), dir.resolve("e2e-override.yaml"),
                    "down", "--volumes");
            assertThat(down.exit()).as(down.output()).isZero();
            Files.delete(dir.resolve("launcher_docker_compose.yaml"));
        }
    }

    private static HostCommand.Run compose(Path file, Path override, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("docker-compose", "--ansi", "never", "-p", "d4jlauncher",
                "-f", file.toString(), "-f", override.toString()));
        args.addAll(List.of(command));
        return HostCommand.run(args, Map.of("DOCKER_HOST", dockerd.dockerHost()), COMPOSE_TIMEOUT,
                "Debian: apt-get install docker-compose");
    }

    /** RTMR3 moved by exactly one event, mpc-image-digest = {@code digest}, and the quote replays. */
    private static void assertMeasured(int eventsBefore, String digest) throws Exception {
        EventLog log = agentLog();
        List<EventLogEntry> events = log.rtmr3Events();
        assertThat(events).hasSize(eventsBefore + 1);
        assertThat(events.getLast().event()).isEqualTo("mpc-image-digest");
        assertThat(events.getLast().eventPayload()).isEqualTo(digest.substring("sha256:".length()));
        try (DstackClient c = agent.client()) {
            assertThat(log.replay(3)).isEqualTo(TdxQuote.parse(c.getQuote(new byte[0]).quote()).tdReport().rtmr3());
        }
    }

    /** The production operator template with this test's registry, no published ports and the planted secret. */
    private static String operatorTemplate() throws IOException {
        String text = Files.readString(ROOT.resolve("fixtures/launcher-2026/user-config.toml"));
        int start = text.indexOf("port_mappings = [");
        int end = text.indexOf("]\n", text.indexOf("{ host = 24567")) + 2;
        String edited = text.substring(0, start) + "port_mappings = []\npull_max_retries = 1\npull_retry_interval_secs = 0\n"
                + text.substring(end);
        String withRegistry = edited.replace("image_reference = \"nearone/mpc-node\"",
                "image_reference = \"" + registry.hostPort() + "/" + NODE_REPO + "\"");
        assertThat(withRegistry).as("the operator template changed shape").contains(registry.hostPort())
                .contains("REPLACE_ME_WITH_16_BYTE_HEX_KEY_");
        return withRegistry.replace("REPLACE_ME_WITH_16_BYTE_HEX_KEY_", SECRET);
    }


    /** Runs the script into a fresh {@code out} and reads the digests back from the layout, checking each blob's name. */
    static BuiltImage build(Path out, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "--no-build", "--out", out.toString()));
        command.addAll(List.of(extra));
        HostCommand.Run run = HostCommand.run(command, Map.of("JAVA_HOME", System.getProperty("java.home")), BUILD_TIMEOUT,
                "scripts/test installs tar, gzip and skopeo");
        assertThat(run.exit()).as(run.output()).isZero();
        Path layout = out.resolve("oci");
        Path blobs = layout.resolve("blobs/sha256");
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        String manifestDigest = index.at("/manifests/0/digest").asText();
        JsonNode manifest = JSON.readTree(verifiedBlob(blobs, manifestDigest));
        String configDigest = manifest.at("/config/digest").asText();
        String layerDigest = manifest.at("/layers/0/digest").asText();
        verifiedBlob(blobs, configDigest);
        verifiedBlob(blobs, layerDigest);
        assertThat(run.output()).contains("manifest digest:   " + manifestDigest, "config digest:     " + configDigest);
        return new BuiltImage(manifestDigest, configDigest, layerDigest, blobs, run.output());
    }

    private static byte[] verifiedBlob(Path blobs, String digest) throws IOException {
        byte[] bytes = Files.readAllBytes(blobs.resolve(digest.substring("sha256:".length())));
        assertThat(OciImage.sha256(bytes)).as("blob named " + digest).isEqualTo(digest);
        return bytes;
    }

    private static EventLog agentLog() throws Exception {
        return LaunchFixtures.agentLog(agent);
    }

    private static List<String> mounts(InspectContainerResponse container) {
        return container.getMounts().stream()
                .map(m -> (m.getName() != null && m.getDriver() != null ? "volume " + m.getName() : "bind " + m.getSource())
                        + " -> " + m.getDestination().getPath() + (Boolean.TRUE.equals(m.getRW()) ? " rw" : " ro"))
                .toList();
    }
}
