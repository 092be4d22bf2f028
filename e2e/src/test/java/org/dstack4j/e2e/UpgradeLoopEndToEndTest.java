package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.e2e.fixtures.ImagePublisher;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.e2e.fixtures.PublishedImage;
import org.dstack4j.e2e.fixtures.RegistryAuth;
import org.dstack4j.e2e.fixtures.RegistryServer;
import org.dstack4j.e2e.fixtures.RegistryStorage;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.near.NearRpcDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade loop of issue 11: participants approve a new digest on the contract (played by {@link NearRpcDouble}, a
 * test double of a NEAR RPC node: no nearcore with the MPC contract runs here); {@code dstack4j watch-approved}, a
 * separate process, rewrites {@code image-digest.bin} within two polls; the next {@code dstack4j launch} (real CLI,
 * private dockerd, real docker-registry, our agent) runs the new image.
 */
@ExtendWith(PrivateDockerdExtension.class)
class UpgradeLoopEndToEndTest {
    static final String NAME = "e2e/mpc-upgrade";
    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The watcher's poll interval. "Within two polls" is counted when this test sees the file change: a loaded CI
     * machine may be late to look by a fraction of a second, so an interval well above that keeps a late look from
     * counting a third, idle poll.
     */
    static final double INTERVAL_SECONDS = 2;

    @TempDir
    Path tmp;

    @Test
    void anApprovedDigestReachesTheNextLaunch(PrivateDockerd dockerd) throws Exception {
        DockerClient docker = dockerd.client();
        try (RegistryServer registry = RegistryServer.start(RegistryAuth.anonymous(), RegistryStorage.writable(Files.createDirectory(tmp.resolve("reg"))));
             AgentProcess agent = AgentProcess.start();
             NearRpcDouble near = new NearRpcDouble()) {
            ImagePublisher publisher = new ImagePublisher(registry.baseUri());
            OciImageBuilder builder = OciImageBuilder.fromHostBusybox();
            PublishedImage v1 = publisher.publish(NAME, builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("u1")), List.of("1.0.0"));
            PublishedImage v2 = publisher.publish(NAME, builder.image(OciImage.Format.OCI, OciImageSpec.busybox("u2")), List.of("2.0.0"));
            Path tapp = Files.createDirectories(tmp.resolve("tapp"));
            Path userConfig = Files.writeString(tapp.resolve("user_config"), String.join("\n", "MPC_IMAGE_NAME=" + NAME,
                    "MPC_REGISTRY=" + registry.hostPort(), "MPC_IMAGE_TAGS=2.0.0,1.0.0", "RPC_MAX_ATTEMPTS=3", "RPC_REQUEST_INTERVAL_SECS=0.1") + "\n");
            Path shared = Files.createDirectories(tmp.resolve("shared"));
            Path file = shared.resolve("image-digest.bin");
            String view = "allowed_docker_image_hashes";
            near.answer(view, "[{\"image_hash\":\"" + v1.imageIdHex() + "\",\"expiry_timestamp_seconds\":null}]");

            Process watcher = Cli.start(tmp.resolve("watch.log"), "watch-approved", "--near-rpc", near.url().toString(),
                    "--contract", "v1.signer", "--file", file.toString(), "--interval", Double.toString(INTERVAL_SECONDS));
            try {
                waitFor(() -> digests(file).equals(List.of(v1.imageId())), "watch-approved writes v1", tmp.resolve("watch.log"));
                Cli.Result first = launch(dockerd, agent, userConfig, file, tapp);
                assertThat(first.exit()).as(first.stderr()).isZero();
                assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v1.imageId());

                // the participants' votes reached the threshold: v2 is approved, newest first
                long pollsBefore = polls(near, view);
                near.answer(view, "[{\"image_hash\":\"" + v2.imageIdHex() + "\",\"expiry_timestamp_seconds\":null},"
                        + "{\"image_hash\":\"" + v1.imageIdHex() + "\",\"expiry_timestamp_seconds\":1790000000}]");
                waitFor(() -> digests(file).equals(List.of(v2.imageId(), v1.imageId())), "watch-approved writes v2, v1", tmp.resolve("watch.log"));
                assertThat(polls(near, view) - pollsBefore).as("polls until the file changed").isLessThanOrEqualTo(2);

                Cli.Result second = launch(dockerd, agent, userConfig, file, tapp);
                assertThat(second.exit()).as(second.stderr()).isZero();
                JsonNode report = JSON.readTree(second.stdout());
                assertThat(report.get("selected_digest").asText()).isEqualTo(v2.imageId());
                assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v2.imageId());
                assertThat(Files.readString(tmp.resolve("watch.log"))).contains("approved list changed: wrote 2 digest(s)");
            } finally {
                watcher.destroy();
                watcher.waitFor();
                LaunchFixtures.removeNode(docker);
            }
        }
    }

    private static Cli.Result launch(PrivateDockerd dockerd, AgentProcess agent, Path userConfig, Path approved, Path tapp) throws Exception {
        return Cli.run(Map.of("PLATFORM", "NONTEE", "DOCKER_CONTENT_TRUST", "1"), Duration.ofMinutes(3), "launch", "--output", "json",
                "--user-config", userConfig.toString(), "--approved-hashes", approved.toString(), "--docker-host", dockerd.dockerHost(),
                "--tapp-dir", tapp.toString(), "--dstack-socket", agent.socket.toString());
    }

    private static long polls(NearRpcDouble near, String view) {
        return near.requests().stream().filter(r -> view.equals(r.at("/params/method_name").asText())).count();
    }

    private static List<String> digests(Path file) {
        try {
            return ApprovedHashes.load(file, Optional.empty()).digests().stream().map(Object::toString).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier done, String what, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " did not happen within 30 s; log:\n" + Files.readString(log));
            Thread.sleep(50);
        }
    }
}
