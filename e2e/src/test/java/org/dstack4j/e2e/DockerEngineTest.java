package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PushResponseItem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.dstack4j.e2e.fixtures.DockerImages;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.Mount;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.container.RestartPolicy;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link DockerEngine} against a real dockerd ({@link PrivateDockerd}). */
@ExtendWith(PrivateDockerdExtension.class)
class DockerEngineTest {
    private static final String SECRET = "s3cr3t-value-that-must-not-leak";

    private static PrivateDockerd dockerd;
    private static DockerClient docker;
    private static DockerEngine engine;
    private static DockerImages.TestImage image;
    private static LocalRegistry registry;

    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    @BeforeAll
    static void setUp(PrivateDockerd shared) throws Exception {
        dockerd = shared;
        docker = dockerd.client();
        engine = DockerEngine.connect(dockerd.dockerHost(), Duration.ofSeconds(5), Duration.ofSeconds(60));
        image = DockerImages.busybox("engine-test");
        DockerImages.load(docker, image);
        registry = LocalRegistry.start();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (registry != null) {
            registry.close();
        }
        engine.close();
        docker.close();
    }

    @AfterEach
    void removeLeftovers() {
        for (String c : containers) {
            try {
                docker.removeContainerCmd(c).withForce(true).exec();
            } catch (NotFoundException gone) {
                // removed by the test
            }
        }
        for (String v : volumes) {
            try {
                docker.removeVolumeCmd(v).exec();
            } catch (NotFoundException gone) {
                // never created
            }
        }
    }

    @Test
    void imageIdOfALoadedImageIsTheConfigDigest() throws Exception {
        assertThat(engine.imageId(image.repoTag())).contains(image.id());
        assertThat(engine.imageId(image.id().toString())).contains(image.id());
    }

    @Test
    void imageIdOfAMissingImageIsEmpty() throws Exception {
        assertThat(engine.imageId("d4j/busybox:no-such-tag")).isEmpty();
        assertThat(engine.imageId(ImageDigest.of(UUID.randomUUID().toString().getBytes()).toString())).isEmpty();
    }

    @Test
    void createAndStartAppliesTheWholeSpec(@TempDir Path tapp) throws Exception {
        String name = uniqueName();
        String volume = "d4j-vol-" + UUID.randomUUID();
        volumes.add(volume);
        int hostPort = freePort();
        Files.writeString(tapp.resolve("user_config"), "MPC_ENV=testnet\n");
        ContainerSpec spec = new ContainerSpec(name, image.id().toString(),
                List.of(new EnvVar("MPC_ENV", "testnet", false), new EnvVar("MPC_SECRET_STORE_KEY", SECRET, true)),
                List.of(new PortMapping(hostPort, 8080)),
                List.of(Mount.bind(tapp.toString(), "/tapp", true), Mount.volume(volume, "/data")),
                List.of("no-new-privileges:true"),
                RestartPolicy.ON_FAILURE);

        String id = engine.createAndStart(spec);
        containers.add(name);

        assertThat(id).matches("[0-9a-f]{64}");
        InspectContainerResponse c = docker.inspectContainerCmd(name).exec();
        assertThat(c.getId()).isEqualTo(id);
        assertThat(c.getState().getRunning()).isTrue();
        assertThat(c.getConfig().getImage()).isEqualTo(image.id().toString());
        assertThat(c.getImageId()).isEqualTo(image.id().toString());
        assertThat(c.getConfig().getEnv()).contains("MPC_ENV=testnet", "MPC_SECRET_STORE_KEY=" + SECRET);
        assertThat(c.getConfig().getLabels())
                .containsEntry(DockerEngine.LAUNCHER_LABEL, "1")
                .containsEntry(DockerEngine.IMAGE_ID_LABEL, image.id().toString());
        assertThat(c.getHostConfig().getSecurityOpts()).containsExactly("no-new-privileges:true");
        assertThat(c.getHostConfig().getRestartPolicy().getName()).isEqualTo("on-failure");
        assertThat(c.getHostConfig().getRestartPolicy().getMaximumRetryCount()).isZero();
        Ports.Binding[] bound = c.getHostConfig().getPortBindings().getBindings().get(ExposedPort.tcp(8080));
        assertThat(bound).hasSize(1);
        assertThat(bound[0].getHostIp()).isNullOrEmpty(); // every address, IPv6 too
        assertThat(bound[0].getHostPortSpec()).isEqualTo(Integer.toString(hostPort));
        assertThat(c.getMounts()).anySatisfy(m -> {
            assertThat(m.getSource()).isEqualTo(tapp.toString());
            assertThat(m.getDestination().getPath()).isEqualTo("/tapp");
            assertThat(m.getRW()).isFalse();
        });
        assertThat(c.getMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(volume);
            assertThat(m.getDestination().getPath()).isEqualTo("/data");
            assertThat(m.getRW()).isTrue();
        });
    }

    @Test
    void ensureNetworkCreatesABridgeOnceReusesItAndRefusesAnInternalOne() throws Exception {
        String name = "d4j-net-" + UUID.randomUUID();
        String internal = "d4j-int-" + UUID.randomUUID();
        try {
            engine.ensureNetwork(name);
            String id = docker.inspectNetworkCmd().withNetworkId(name).exec().getId();
            engine.ensureNetwork(name);
            assertThat(docker.listNetworksCmd().withNameFilter(name).exec()).singleElement().satisfies(n -> {
                assertThat(n.getId()).isEqualTo(id);
                assertThat(n.getDriver()).isEqualTo("bridge");
                assertThat(n.getLabels()).containsEntry(DockerEngine.LAUNCHER_LABEL, "1");
            });

            docker.createNetworkCmd().withName(internal).withDriver("bridge").withInternal(true).exec();
            assertThatThrownBy(() -> engine.ensureNetwork(internal)).isInstanceOfSatisfying(EngineException.class, e -> {
                assertThat(e.step()).isEqualTo(LaunchStep.START);
                assertThat(e.getMessage()).contains(internal).contains("internal");
                assertThat(e.fix()).contains("docker network rm " + internal);
            });
        } finally {
            for (String n : List.of(name, internal)) {
                try {
                    docker.removeNetworkCmd(n).exec();
                } catch (NotFoundException gone) {
                    // never created
                }
            }
        }
    }

    @Test
    void removeContainerRemovesARunningContainerAndKeepsItsNamedVolume() throws Exception {
        String name = uniqueName();
        String volume = "d4j-vol-" + UUID.randomUUID();
        volumes.add(volume);
        containers.add(name);
        engine.createAndStart(spec(name, image.id().toString(), List.of(), List.of(Mount.volume(volume, "/data"))));
        assertThat(docker.inspectContainerCmd(name).exec().getState().getRunning()).isTrue();

        assertThat(engine.removeContainer(name)).isTrue();

        assertThat(containerNamed(name)).isEmpty();
        assertThat(docker.inspectVolumeCmd(volume).exec().getName()).isEqualTo(volume);
        assertThat(engine.removeContainer(name)).isFalse();
    }

    @Test
    void removeContainerOfAnAbsentNameIsFalse() throws Exception {
        assertThat(engine.removeContainer(uniqueName())).isFalse();
    }

    @Test
    void aStartFailureLeavesNoContainerAndNoSecretInTheMessage() throws Exception {
        String name = uniqueName();
        containers.add(name);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            ContainerSpec spec = spec(name, image.id().toString(), List.of(new PortMapping(taken.getLocalPort(), 8080)),
                    List.of());

            assertThatThrownBy(() -> engine.createAndStart(spec))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.step()).isEqualTo(LaunchStep.START);
                        assertThat(e.input()).isEqualTo(name);
                        assertThat(e.getMessage()).startsWith("start container failed").doesNotContain(SECRET);
                        assertThat(e.oneLine()).doesNotContain(SECRET);
                    });
        }
        assertThat(containerNamed(name)).isEmpty();
    }

    @Test
    void aCreateFailureForAnImageTheEngineLacksLeavesNoContainer() {
        String name = uniqueName();
        containers.add(name);
        String missing = ImageDigest.of(UUID.randomUUID().toString().getBytes()).toString();

        assertThatThrownBy(() -> engine.createAndStart(spec(name, missing, List.of(), List.of())))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.START);
                    assertThat(e.getMessage()).contains("HTTP 404").doesNotContain(SECRET);
                });
        assertThat(containerNamed(name)).isEmpty();
    }

    @Test
    void aTagInsteadOfAnImageIdIsRefusedBeforeTheEngineIsAsked() {
        String name = uniqueName();
        containers.add(name);

        assertThatThrownBy(() -> engine.createAndStart(spec(name, image.repoTag(), List.of(), List.of())))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.getMessage()).contains("not an image ID"));
        assertThat(containerNamed(name)).isEmpty();
    }

    @Test
    void aTakenNameIsReportedAndTheOtherContainerIsLeftAlone() throws Exception {
        String name = uniqueName();
        containers.add(name);
        String first = engine.createAndStart(spec(name, image.id().toString(), List.of(), List.of()));

        assertThatThrownBy(() -> engine.createAndStart(spec(name, image.id().toString(), List.of(), List.of())))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.START);
                    assertThat(e.getMessage()).contains("name is taken");
                });
        assertThat(docker.inspectContainerCmd(name).exec().getId()).isEqualTo(first);
    }

    @Test
    void pullByManifestDigestReturnsTheImageIdAndReportsProgress() throws Exception {
        DockerImages.TestImage pushed = DockerImages.busybox("pull-test");
        String repository = registry.address() + "/d4j/pulltest";
        DockerImages.load(docker, pushed);
        docker.tagImageCmd(pushed.id().toString(), repository, "v1").exec();
        push(repository, "v1");
        ImageDigest manifest = registry.manifestDigest("d4j/pulltest", "v1");
        // Drop every local copy so that the engine really downloads it.
        docker.removeImageCmd(pushed.id().toString()).withForce(true).exec();
        assertThat(engine.imageId(pushed.id().toString())).isEmpty();
        ValidatedImage validated = new ValidatedImage(new ImageReference(registry.address(), "d4j/pulltest", List.of("v1")),
                "v1", manifest, pushed.id(), "application/vnd.docker.distribution.manifest.v2+json");
        List<String> progress = new ArrayList<>();

        ImageDigest id = engine.pull(validated, Optional.empty(), progress::add);

        assertThat(id).isEqualTo(pushed.id());
        assertThat(progress).contains("Digest: " + manifest)
                .anyMatch(l -> l.endsWith(": Pull complete"))
                .anyMatch(l -> l.startsWith("Status: Downloaded newer image for " + repository + "@" + manifest));
        assertThat(engine.imageId(repository + "@" + manifest)).contains(pushed.id());

        List<String> again = new ArrayList<>();
        assertThat(engine.pull(validated, Optional.empty(), again::add)).isEqualTo(pushed.id());
        assertThat(again).anyMatch(l -> l.startsWith("Status: Image is up to date"));
    }

    @Test
    void aPullThatOutlastsItsDeadlineFails() throws Exception {
        DockerImages.TestImage pushed = DockerImages.busybox("deadline-test");
        String repository = registry.address() + "/d4j/deadline";
        DockerImages.load(docker, pushed);
        docker.tagImageCmd(pushed.id().toString(), repository, "v1").exec();
        push(repository, "v1");
        ImageDigest manifest = registry.manifestDigest("d4j/deadline", "v1");
        docker.removeImageCmd(pushed.id().toString()).withForce(true).exec();
        ValidatedImage validated = new ValidatedImage(new ImageReference(registry.address(), "d4j/deadline", List.of("v1")),
                "v1", manifest, pushed.id(), "application/vnd.docker.distribution.manifest.v2+json");

        try (DockerEngine hasty = DockerEngine.connect(dockerd.dockerHost(), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofMillis(1))) {
            assertThatThrownBy(() -> hasty.pull(validated, Optional.empty(), line -> { }))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                        assertThat(e.getMessage()).contains("did not finish within 1 ms");
                    });
        }
    }

    @Test
    void pullOfAManifestTheRegistryLacksFails() {
        ImageDigest absent = ImageDigest.of(UUID.randomUUID().toString().getBytes());
        ValidatedImage validated = new ValidatedImage(new ImageReference(registry.address(), "d4j/pulltest", List.of("v1")),
                "v1", absent, absent, "application/vnd.oci.image.manifest.v1+json");

        assertThatThrownBy(() -> engine.pull(validated, Optional.empty(), line -> { }))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                    assertThat(e.input()).isEqualTo(registry.address() + "/d4j/pulltest@" + absent);
                    assertThat(e.getMessage()).containsAnyOf("not found", "manifest unknown");
                });
    }

    @Test
    void pullFromAnUnreachableRegistryFails() {
        ImageDigest manifest = ImageDigest.of("no such manifest".getBytes());
        ValidatedImage missing = new ValidatedImage(new ImageReference("127.0.0.1:1", "none", List.of("latest")),
                "latest", manifest, ImageDigest.of("config".getBytes()), "application/vnd.oci.image.manifest.v1+json");
        List<String> progress = new ArrayList<>();

        assertThatThrownBy(() -> engine.pull(missing, Optional.of(new RegistryCredentials("user", SECRET)), progress::add))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                    assertThat(e.input()).isEqualTo("127.0.0.1:1/none@" + manifest);
                    assertThat(e.getMessage()).contains("127.0.0.1:1").doesNotContain(SECRET);
                });
        assertThat(String.join("\n", progress)).doesNotContain(SECRET);
    }

    @Test
    void anUnreachableEngineIsReportedWithTheHostAndTheFix(@TempDir Path dir) throws Exception {
        String host = "unix://" + dir.resolve("no-dockerd.sock");
        try (DockerEngine absent = DockerEngine.connect(host, Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> absent.imageId(image.repoTag()))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                        assertThat(e.getMessage()).contains(host);
                        assertThat(e.fix()).contains("start dockerd").contains("--docker-host");
                    });
            assertThatThrownBy(() -> absent.removeContainer("mpc-node"))
                    .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.step()).isEqualTo(LaunchStep.START));
            assertThatThrownBy(absent::ping).isInstanceOf(EngineException.class);
        }
        String tcp = "tcp://127.0.0.1:" + freePort();
        try (DockerEngine refused = DockerEngine.connect(tcp, Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> refused.createAndStart(spec(uniqueName(), image.id().toString(), List.of(), List.of())))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.getMessage()).contains("127.0.0.1");
                        assertThat(e.fix()).contains("start dockerd");
                    });
        }
    }

    @Test
    void pingAnswersForARunningEngineAndNeedsAnAnswer(@TempDir Path dir) throws Exception {
        engine.ping(); // the private dockerd answers _ping
        // a socket that accepts and hangs up without an HTTP answer is not an engine: ping must fail, naming it.
        // (A socket that accepts and then stays silent: EngineDeadlineTest, and EngineFaultsTest for a whole launch.)
        Path mute = dir.resolve("mute.sock");
        try (var listener = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            listener.bind(java.net.UnixDomainSocketAddress.of(mute));
            Thread hangUp = Thread.ofVirtual().start(() -> {
                while (listener.isOpen()) {
                    try (var ch = listener.accept()) {
                        ch.read(java.nio.ByteBuffer.allocate(4096)); // read the request, answer nothing
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            try (DockerEngine notAnEngine = DockerEngine.connect("unix://" + mute, Duration.ofSeconds(2), Duration.ofSeconds(2))) {
                assertThatThrownBy(notAnEngine::ping).isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                    assertThat(e.getMessage()).contains(mute.toString());
                });
            } finally {
                listener.close();
                hangUp.join(5_000);
            }
        }
    }

    private static void push(String repository, String tag) throws InterruptedException {
        List<String> errors = new ArrayList<>();
        var done = docker.pushImageCmd(repository).withTag(tag).withAuthConfig(new AuthConfig())
                .exec(new ResultCallback.Adapter<PushResponseItem>() {
                    @Override
                    public void onNext(PushResponseItem item) {
                        if (item.isErrorIndicated()) {
                            errors.add(String.valueOf(item.getErrorDetail()));
                        }
                    }
                });
        assertThat(done.awaitCompletion(60, TimeUnit.SECONDS)).as("push finished").isTrue();
        assertThat(errors).as("push errors").isEmpty();
    }

    private static ContainerSpec spec(String name, String imageId, List<PortMapping> ports, List<Mount> mounts) {
        return new ContainerSpec(name, imageId, List.of(new EnvVar("MPC_SECRET_STORE_KEY", SECRET, true)), ports, mounts,
                List.of("no-new-privileges:true"), RestartPolicy.ON_FAILURE);
    }

    private static List<Container> containerNamed(String name) {
        return docker.listContainersCmd().withShowAll(true).withNameFilter(List.of(name)).exec().stream()
                .filter(c -> List.of(c.getNames()).contains("/" + name))
                .toList();
    }

    private static String uniqueName() {
        return "d4j-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
