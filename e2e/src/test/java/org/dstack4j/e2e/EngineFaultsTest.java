package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dstack4j.e2e.HostileRegistry.Reply;
import org.dstack4j.e2e.HostileRegistry.Request;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container engine faults at step 4b, with a real dockerd (a second private one where the fault is
 * stopping the engine): the engine gone before or during the pull, a stalled pull, the registry
 * refusing or altering what it serves to the engine (it can tell the engine from the launcher by
 * {@code User-Agent}), and an {@code mpc-node} already running. Every failure is closed at
 * {@code pull}: exit 1 naming the pull reference, no container created or removed, RTMR3 (our agent)
 * not extended.
 */
@ExtendWith({PrivateDockerdExtension.class, SecretsNeverLeak.class})
class EngineFaultsTest {
    static final Duration BOUND = Duration.ofSeconds(90);

    static PrivateDockerd dockerd;
    static DockerClient docker;
    static AgentProcess agent;
    static HostileRegistry registry;
    static OciImageBuilder builder;
    static OciImage good;
    static OciImage other;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start(PrivateDockerd engine) throws Exception {
        LaunchOutputs.plant(HostileRegistry.TOKEN);
        dockerd = engine;
        docker = engine.client();
        registry = HostileRegistry.start();
        builder = OciImageBuilder.fromHostBusybox();
        good = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("engine-good"));
        other = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("engine-other"));
        registry.publish(HostileLaunch.NAME, good, "latest");
        registry.publish(HostileLaunch.NAME, other, "other");
        agent = AgentProcess.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) registry.close();
        if (agent != null) agent.close();
    }

    @AfterEach
    void reset() {
        registry.script(r -> Reply.SERVE);
    }

    private HostileLaunch launchOf(OciImage image) throws Exception {
        HostileLaunch launch = new HostileLaunch(dockerd, docker, agent, tmp);
        launch.approved(image.imageId());
        launch.userConfig(registry.hostPort(), "latest");
        return launch;
    }

    private String pullReference(OciImage image) {
        return registry.hostPort() + "/" + HostileLaunch.NAME + "@" + image.manifestDigest();
    }

    @Test
    void engineStoppedBeforeTheLaunch() throws Exception {
        HostileLaunch launch = launchOf(good);
        HostileLaunch.Before before = launch.before();
        String gone;
        try (PrivateDockerd second = PrivateDockerd.start()) {
            gone = second.dockerHost();
        }
        registry.script(r -> Reply.SERVE);

        Cli.Result r = launch.launch("TEE", BOUND, "--docker-host", gone);

        launch.assertFailedClosed(r, before, "pull", pullReference(good), "cannot talk to the container engine");
        assertThat(registry.requests()).as("validated first").anyMatch(Request::fromLauncher);
    }

    @Test
    void engineKilledDuringThePull() throws Exception {
        OciImage big = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("engine-killed"));
        registry.publish(HostileLaunch.NAME, big, "killed");
        HostileLaunch launch = launchOf(big);
        launch.userConfig(registry.hostPort(), "killed");
        HostileLaunch.Before before = launch.before();
        PrivateDockerd second = PrivateDockerd.start();
        String layer = big.layers().getFirst().digest();
        // the engine gets the layer as an endless trickle; the daemon is stopped once it asked for it
        registry.script(r -> r.fromEngine() && r.path().endsWith("/blobs/" + layer)
                ? new Reply.Drip(200, Map.of("Content-Type", "application/octet-stream"), new byte[1024]) : Reply.SERVE);
        CompletableFuture<Void> killer = CompletableFuture.runAsync(() -> {
            try {
                registry.await(q -> q.fromEngine() && q.path().endsWith("/blobs/" + layer), Duration.ofSeconds(60));
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                second.close();
            }
        });
        try {
            Cli.Result r = launch.launch("TEE", BOUND, "--docker-host", second.dockerHost(), "--pull-timeout", "300");

            // the daemon dies mid-stream: the stream breaks, or the daemon reports the cancelled pull first
            launch.assertFailedClosed(r, before, "pull", pullReference(big), "");
            assertThat(r.stderr()).containsAnyOf("cannot talk to the container engine", "the engine could not pull the image");
        } finally {
            killer.join();
        }
    }

    @Test
    void stalledPullIsBoundedByThePullTimeout() throws Exception {
        OciImage stalled = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("engine-stalled"));
        registry.publish(HostileLaunch.NAME, stalled, "stalled");
        HostileLaunch launch = launchOf(stalled);
        launch.userConfig(registry.hostPort(), "stalled");
        HostileLaunch.Before before = launch.before();
        String layer = stalled.layers().getFirst().digest();
        registry.script(r -> r.fromEngine() && r.path().endsWith("/blobs/" + layer)
                ? new Reply.Drip(200, Map.of("Content-Type", "application/octet-stream"), new byte[1024]) : Reply.SERVE);

        Cli.Result r = launch.launch("TEE", Duration.ofSeconds(45), "--pull-timeout", "5");

        launch.assertFailedClosed(r, before, "pull", pullReference(stalled), "the pull did not finish within 5 s");
    }

    @Test
    void engineThatAcceptsAndNeverAnswersIsBoundedByTheEngineTimeout() throws Exception {
        HostileLaunch launch = launchOf(good);
        HostileLaunch.Before before = launch.before();
        Path mute = Files.createTempDirectory("d4j-mute").resolve("docker.sock"); // short: sun_path is 108 bytes
        List<String> requests = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(mute));
            List<SocketChannel> held = new CopyOnWriteArrayList<>();
            Thread server = Thread.ofVirtual().start(() -> {
                while (listener.isOpen()) {
                    try {
                        SocketChannel ch = listener.accept();
                        held.add(ch); // kept open, never answered
                        ByteBuffer buf = ByteBuffer.allocate(8192);
                        ch.read(buf);
                        requests.add(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1).split("\r\n")[0]);
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            try {
                Cli.Result r = launch.launch("TEE", BOUND, "--docker-host", "unix://" + mute, "--engine-timeout", "2");

                launch.assertFailedClosed(r, before, "pull", pullReference(good),
                        "pull failed: the engine at unix://" + mute + " did not answer within 2 s");
                assertThat(requests).as("the engine was asked to pull").anyMatch(l -> l.startsWith("POST /images/create?"));
                // one 2 s deadline, plus JVM start and the registry check: far below the 30 min pull deadline
                assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
            } finally {
                listener.close();
                for (SocketChannel ch : held) ch.close();
                server.join(5_000);
                Files.deleteIfExists(mute);
                Files.deleteIfExists(mute.getParent());
            }
        }
    }

    @Test
    void manifestGoneForTheEngineBetweenValidationAndPull() throws Exception {
        HostileLaunch launch = launchOf(good);
        HostileLaunch.Before before = launch.before();
        registry.script(r -> r.fromEngine() && r.isManifest() ? Reply.json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}") : Reply.SERVE);

        Cli.Result r = launch.launch("TEE", BOUND);

        launch.assertFailedClosed(r, before, "pull", pullReference(good), "manifest unknown");
        assertThat(registry.requests()).anyMatch(q -> q.fromEngine() && q.isManifest());
    }

    @Test
    void engineServedAnotherManifestUnderTheValidatedDigest() throws Exception {
        HostileLaunch launch = launchOf(good);
        HostileLaunch.Before before = launch.before();
        // the validator sees the approved image; the engine, asking for the same digest, gets another one
        registry.script(r -> r.fromEngine() && r.isManifest()
                ? new Reply.Bytes(200, Map.of("Content-Type", other.manifest().mediaType()), other.manifest().content()) : Reply.SERVE);

        Cli.Result r = launch.launch("TEE", BOUND);

        launch.assertFailedClosed(r, before, "pull", pullReference(good), "manifest verification failed for digest " + good.manifestDigest());
        assertThat(docker.listImagesCmd().exec()).noneMatch(i -> i.getId().equals(other.imageId()));
    }

    @Test
    void engineServedAnotherConfigUnderTheValidatedConfigDigest() throws Exception {
        OciImage fresh = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("engine-config-swap"));
        registry.publish(HostileLaunch.NAME, fresh, "swap");
        HostileLaunch launch = launchOf(fresh);
        launch.userConfig(registry.hostPort(), "swap");
        HostileLaunch.Before before = launch.before();
        registry.script(r -> r.fromEngine() && r.path().endsWith("/blobs/" + fresh.config().digest())
                ? new Reply.Bytes(200, Map.of("Content-Type", "application/octet-stream"), other.config().content()) : Reply.SERVE);

        Cli.Result r = launch.launch("TEE", BOUND);

        launch.assertFailedClosed(r, before, "pull", pullReference(fresh), "image config verification failed for digest " + fresh.imageId());
        assertThat(docker.listImagesCmd().exec()).noneMatch(i -> i.getId().equals(fresh.imageId()));
    }

    @Test
    void runningNodeIsReplacedByASuccessfulLaunch() throws Exception {
        HostileLaunch launch = launchOf(good);
        String decoy = launch.decoyNode();

        Cli.Result r = launch.launch("NONTEE", BOUND, "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        var report = HostileLaunch.JSON.readTree(r.stdout());
        assertThat(report.get("replaced_container").asBoolean()).isTrue();
        var node = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(node.getId()).isNotEqualTo(decoy).isEqualTo(report.get("container_id").asText());
        assertThat(node.getImageId()).isEqualTo(good.imageId());
        assertThat(launch.containerIds()).doesNotContain(decoy);
        launch.removeNode();
    }
}
