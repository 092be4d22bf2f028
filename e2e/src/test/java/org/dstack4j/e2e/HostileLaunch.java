package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.dstack4j.e2e.fixtures.DockerImages;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.sdk.DstackClient;

/**
 * One hostile launch through the real CLI jar: writes user_config (with planted secrets) and the
 * approved list into a temp directory, runs {@code dstack4j launch} against a real dockerd, records
 * stdout, stderr and the {@code --report} file for the secret checks, and proves a failure was
 * closed: non-zero exit, one last line naming the step and the input, no container created (the set
 * of all containers is unchanged and a running {@code mpc-node} decoy is untouched), RTMR3 not
 * extended, and the run within its bound.
 */
final class HostileLaunch {
    static final String NAME = "hostile/mpc-node";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET_STORE_KEY = LaunchOutputs.plant("store-key-" + Long.toHexString(System.nanoTime()));
    static final String BACKUP_KEY = LaunchOutputs.plant("00ff" + Long.toHexString(Double.doubleToLongBits(Math.random())));
    static final String API_TOKEN = LaunchOutputs.plant("api-token-" + Long.toHexString(System.nanoTime() * 31));
    static final String DB_PASSWORD = LaunchOutputs.plant("db-password-" + Long.toHexString(System.nanoTime() * 17));

    final PrivateDockerd dockerd;
    final DockerClient docker;
    final AgentProcess agent;
    final Path dir;
    final Path userConfig;
    final Path approved;
    final Path tapp;
    final Path report;

    HostileLaunch(PrivateDockerd dockerd, DockerClient docker, AgentProcess agent, Path dir) throws IOException {
        this.dockerd = dockerd;
        this.docker = docker;
        this.agent = agent;
        this.dir = dir;
        this.tapp = Files.createDirectories(dir.resolve("tapp"));
        this.userConfig = tapp.resolve("user_config");
        this.approved = dir.resolve("image-digest.bin");
        this.report = dir.resolve("report.json");
    }

    /** user_config for {@code registry} and {@code tags}: 2 attempts, 2 s per request, 0.1 s apart, and the planted secrets. */
    void userConfig(String registry, String tags, String... more) throws IOException {
        List<String> lines = new ArrayList<>(List.of("MPC_IMAGE_NAME=" + NAME, "MPC_REGISTRY=" + registry, "MPC_IMAGE_TAGS=" + tags,
                "RPC_MAX_ATTEMPTS=2", "RPC_REQUEST_INTERVAL_SECS=0.1", "RPC_REQUEST_TIMEOUT_SECS=2",
                "MPC_SECRET_STORE_KEY=" + SECRET_STORE_KEY, "MPC_BACKUP_ENCRYPTION_KEY_HEX=" + BACKUP_KEY,
                "MPC_API_TOKEN=" + API_TOKEN, "MPC_DB_PASSWORD=" + DB_PASSWORD, "MPC_ACCOUNT_ID=hostile.testnet"));
        lines.addAll(List.of(more));
        Files.writeString(userConfig, String.join("\n", lines) + "\n");
    }

    void approved(String... digests) throws IOException {
        Files.writeString(approved, JSON.writeValueAsString(Map.of("approved_hashes", List.of(digests))));
    }

    /** Runs {@code dstack4j launch} with the workspace's paths; {@code --dstack-socket} defaults to the real agent's. */
    Cli.Result launch(String platform, Duration bound, String... extra) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_CONTENT_TRUST", "1");
        env.put("PLATFORM", platform);
        List<String> args = new ArrayList<>(List.of("launch", "--user-config", userConfig.toString(),
                "--approved-hashes", approved.toString(), "--tapp-dir", tapp.toString(), "--report", report.toString()));
        if (!List.of(extra).contains("--docker-host")) args.addAll(List.of("--docker-host", dockerd.dockerHost()));
        if (!List.of(extra).contains("--dstack-socket") && agent != null) args.addAll(List.of("--dstack-socket", agent.socket.toString()));
        args.addAll(List.of(extra));
        Files.deleteIfExists(report);
        Cli.Result r = Cli.run(env, bound.plusSeconds(30), args.toArray(String[]::new));
        LaunchOutputs.recordFile(report);
        assertThat(r.took()).as("the launch must end within its bound; stderr:\n%s", r.stderr()).isLessThan(bound);
        return r;
    }

    /** What a failure must not have changed. */
    record Before(Set<String> containers, String decoyId, int rtmr3Events) {}

    /** Starts (or keeps) a running {@code mpc-node} decoy and records containers and RTMR3 events. */
    Before before() throws Exception {
        String decoy = decoyNode();
        return new Before(containerIds(), decoy, agent == null ? 0 : rtmr3Events());
    }

    /**
     * Asserts a closed failure at {@code step} naming {@code input}: exit 1, the last stderr line
     * {@code launch failed at <step>: … [input: <input>] fix: …}, the failure report, containers and
     * RTMR3 unchanged.
     */
    void assertFailedClosed(Cli.Result r, Before before, String step, String input, String fragment) throws Exception {
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        String[] lines = r.stderr().strip().split("\n");
        String last = lines[lines.length - 1];
        System.out.println("failed closed in " + r.took().toMillis() + " ms: " + last); // kept in the surefire report
        assertThat(last).as(r.stderr()).startsWith("launch failed at " + step + ":").contains("[input: " + input + "]")
                .contains(fragment).contains(" fix: ");
        var failure = JSON.readTree(Files.readString(report));
        assertThat(failure.get("ok").asBoolean()).isFalse();
        assertThat(failure.get("failed_step").asText()).isEqualTo(step);
        assertThat(failure.get("input").asText()).isEqualTo(input);
        assertThat(containerIds()).as("no container may be created or removed").isEqualTo(before.containers());
        var node = docker.inspectContainerCmd("mpc-node").exec();
        assertThat(node.getId()).as("the running mpc-node is left untouched").isEqualTo(before.decoyId());
        assertThat(node.getState().getRunning()).isTrue();
        if (agent != null) assertThat(rtmr3Events()).as("RTMR3 must not be extended").isEqualTo(before.rtmr3Events());
    }

    Set<String> containerIds() {
        return docker.listContainersCmd().withShowAll(true).exec().stream().map(Container::getId).collect(Collectors.toSet());
    }

    int rtmr3Events() throws Exception {
        try (DstackClient c = agent.client()) {
            return c.info().tcbInfo().log().rtmr3Events().size();
        }
    }

    /** A running container named {@code mpc-node} from a local busybox image (created if absent). */
    String decoyNode() throws IOException {
        try {
            var node = docker.inspectContainerCmd("mpc-node").exec();
            if (Boolean.TRUE.equals(node.getState().getRunning())) return node.getId();
            docker.removeContainerCmd("mpc-node").withForce(true).exec();
        } catch (NotFoundException absent) {
            // create it below
        }
        var image = DockerImages.load(docker, DockerImages.busybox("decoy"));
        String id = docker.createContainerCmd(image.toString()).withName("mpc-node").exec().getId();
        docker.startContainerCmd(id).exec();
        return id;
    }

    void removeNode() {
        try {
            docker.removeContainerCmd("mpc-node").withForce(true).exec();
        } catch (NotFoundException absent) {
            // nothing to remove
        }
    }
}
