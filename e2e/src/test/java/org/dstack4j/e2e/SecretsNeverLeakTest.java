package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.dstack4j.e2e.HostileRegistry.Reply;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.e2e.fixtures.RegistryFleet;
import org.dstack4j.e2e.fixtures.TokenServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret ever reaches the launcher's stdout, stderr or {@code --report} file. Every launcher run
 * of the e2e suites feeds {@link LaunchOutputs} (through {@link Cli#run}); the hostile suites plant
 * their secrets there and check them after each class ({@link SecretsNeverLeak}). This class adds the
 * runs where secrets are most in play — user_config secrets passed to a started node, registry
 * passwords in a credentials file (htpasswd and token registries, and a hostile Basic registry),
 * tokens from a token endpoint, an engine failure while secret env values are in the request — and
 * finally checks every output recorded in this JVM so far.
 */
@ExtendWith({PrivateDockerdExtension.class, SecretsNeverLeak.class})
class SecretsNeverLeakTest {
    static final Duration BOUND = Duration.ofSeconds(90);
    static final String USER = "leak-operator";
    static final String PASSWORD = LaunchOutputs.plant("leak-pw-" + Long.toHexString(System.nanoTime()));
    static final String BASIC = LaunchOutputs.plant(Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));

    static PrivateDockerd dockerd;
    static DockerClient docker;
    static AgentProcess agent;
    static HostileRegistry registry;
    static RegistryFleet fleet;
    static OciImage image;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start(PrivateDockerd engine, @TempDir Path storage) throws Exception {
        LaunchOutputs.plant(HostileRegistry.TOKEN);
        dockerd = engine;
        docker = engine.client();
        registry = HostileRegistry.start();
        image = OciImageBuilder.fromHostBusybox().image(OciImage.Format.OCI, OciImageSpec.busybox("secrets"));
        registry.publish(HostileLaunch.NAME, image, "latest");
        fleet = RegistryFleet.start(storage, TokenServer.Options.credentialsRequired(USER, PASSWORD), USER, PASSWORD);
        fleet.publisher().publish(HostileLaunch.NAME, image, List.of("latest"));
        agent = AgentProcess.start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            assertThat(LaunchOutputs.outputs()).as("launcher runs were recorded").isNotEmpty();
            assertThat(LaunchOutputs.leaks()).as("no planted secret in any launcher output of this JVM").isEmpty();
        } finally {
            if (registry != null) registry.close();
            if (fleet != null) fleet.close();
            if (agent != null) agent.close();
        }
    }

    @AfterEach
    void reset() {
        registry.script(r -> Reply.SERVE);
        removeNode();
    }

    private HostileLaunch launch(String registryHostPort, String... more) throws Exception {
        HostileLaunch launch = new HostileLaunch(dockerd, docker, agent, tmp);
        launch.approved(image.imageId());
        launch.userConfig(registryHostPort, "latest", more);
        return launch;
    }

    private Path credentials(String hostPort, String user, String password) throws Exception {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return Files.writeString(tmp.resolve("credentials.json"), "{\"auths\":{\"" + hostPort + "\":{\"auth\":\"" + auth + "\"}}}");
    }

    private static void assertNoSecretIn(Cli.Result r, Path report) throws Exception {
        String all = r.all() + (Files.exists(report) ? Files.readString(report) : "");
        for (String secret : LaunchOutputs.secrets()) assertThat(all).as("a planted secret was printed").doesNotContain(secret);
        assertThat(all).as("no JWT").doesNotContain("eyJ");
    }

    @Test
    void teeLaunchThroughABearerRegistryPassesSecretsToTheNodeOnly() throws Exception {
        HostileLaunch launch = launch(registry.hostPort());
        String bearer = "Bearer " + HostileRegistry.TOKEN;
        registry.script(r -> (r.isManifest() || r.isBlob()) && !bearer.equals(r.headers().get("authorization"))
                ? Reply.status(401, Map.of("WWW-Authenticate", registry.bearerChallenge(HostileLaunch.NAME))) : Reply.SERVE);

        Cli.Result r = launch.launch("TEE", BOUND, "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(registry.requests()).as("the token flow was used").anyMatch(HostileRegistry.Request::isToken);
        List<String> env = List.of(docker.inspectContainerCmd("mpc-node").exec().getConfig().getEnv());
        assertThat(env).as("the secrets really were in play").contains("MPC_SECRET_STORE_KEY=" + HostileLaunch.SECRET_STORE_KEY,
                "MPC_BACKUP_ENCRYPTION_KEY_HEX=" + HostileLaunch.BACKUP_KEY, "MPC_API_TOKEN=" + HostileLaunch.API_TOKEN,
                "MPC_DB_PASSWORD=" + HostileLaunch.DB_PASSWORD);
        assertThat(r.stdout()).contains("MPC_SECRET_STORE_KEY=***", "MPC_BACKUP_ENCRYPTION_KEY_HEX=***", "MPC_API_TOKEN=***",
                "MPC_DB_PASSWORD=***");
        assertNoSecretIn(r, launch.report);
    }

    @Test
    void tokenRegistryWithCredentialsFile() throws Exception {
        HostileLaunch launch = launch(fleet.token().hostPort());
        Path creds = credentials(fleet.token().hostPort(), USER, PASSWORD);
        fleet.tokenServer().resetRequests();

        Cli.Result r = launch.launch("NONTEE", BOUND, "--registry-credentials", creds.toString(), "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(fleet.tokenServer().requests()).as("tokens were issued to the operator").anyMatch(q -> USER.equals(q.user()));
        assertNoSecretIn(r, launch.report);
    }

    @Test
    void htpasswdRegistryWithCredentialsFile() throws Exception {
        HostileLaunch launch = launch(fleet.basic().hostPort());
        Path creds = credentials(fleet.basic().hostPort(), USER, PASSWORD);

        Cli.Result r = launch.launch("NONTEE", BOUND, "--registry-credentials", creds.toString());

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertNoSecretIn(r, launch.report);
    }

    @Test
    void refusedBasicCredentialsAreNotEchoed() throws Exception {
        HostileLaunch launch = launch(registry.hostPort());
        HostileLaunch.Before before = launch.before();
        Path creds = credentials(registry.hostPort(), USER, PASSWORD);
        registry.script(r -> r.isManifest() ? Reply.status(401, Map.of("WWW-Authenticate", "Basic realm=\"hostile\"")) : Reply.SERVE);

        Cli.Result r = launch.launch("TEE", BOUND, "--registry-credentials", creds.toString());

        launch.assertFailedClosed(r, before, "registry", registry.hostPort(), "still answered 401");
        assertThat(registry.requests()).as("the credentials were really sent")
                .anyMatch(q -> ("Basic " + BASIC).equals(q.headers().get("authorization")));
        assertNoSecretIn(r, launch.report);
    }

    @Test
    void engineStartFailureDoesNotEchoSecretEnv() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("0.0.0.0", 0));
            int port = taken.getLocalPort();
            HostileLaunch launch = launch(registry.hostPort(), "PORTS=" + port + ":8080");
            removeNode();

            Cli.Result r = launch.launch("NONTEE", BOUND);

            assertThat(r.exit()).as(r.all()).isEqualTo(1);
            assertThat(r.stderr().strip()).contains("launch failed at start:");
            assertThat(launch.containerIds()).as("the half-created node was removed")
                    .noneMatch(id -> docker.inspectContainerCmd(id).exec().getName().equals("/mpc-node"));
            assertNoSecretIn(r, launch.report);
        }
    }

    @Test
    void dryRunPrintsSecretsRedacted() throws Exception {
        HostileLaunch launch = launch(registry.hostPort());

        Cli.Result r = launch.launch("NONTEE", BOUND, "--dry-run", "--output", "json");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("MPC_SECRET_STORE_KEY=***");
        assertNoSecretIn(r, launch.report);
    }

    private static void removeNode() {
        try {
            docker.removeContainerCmd("mpc-node").withForce(true).exec();
        } catch (NotFoundException absent) {
            // nothing to remove
        }
    }
}
