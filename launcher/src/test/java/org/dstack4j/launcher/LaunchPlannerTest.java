package org.dstack4j.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.Mount;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.container.Rejection;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchPlannerTest {
    static final ImageDigest NEW = ImageDigest.of(new byte[] {1});
    static final ImageDigest OLD = ImageDigest.of(new byte[] {2});
    static final ImageDigest DEFAULT = ImageDigest.of(new byte[] {3});

    @TempDir
    Path dir;

    private Map<String, String> env(String platform) {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_CONTENT_TRUST", "1");
        env.put("PLATFORM", platform);
        env.put("DEFAULT_IMAGE_DIGEST", DEFAULT.bareHex());
        return env;
    }

    private LaunchInputs inputs(Map<String, String> env) {
        return new LaunchInputs(env, Optional.empty(), dir.resolve("user_config"), dir.resolve("image-digest.bin"),
                dir.resolve("dstack.sock"), dir.resolve("tapp"));
    }

    private void userConfig(String text) throws IOException {
        Files.writeString(dir.resolve("user_config"), text);
    }

    private void approved(ImageDigest... digests) throws IOException {
        StringBuilder json = new StringBuilder("{\"approved_hashes\":[");
        for (int i = 0; i < digests.length; i++) json.append(i > 0 ? "," : "").append('"').append(digests[i]).append('"');
        Files.writeString(dir.resolve("image-digest.bin"), json.append("]}"));
    }

    private LaunchException failure(LaunchInputs inputs) {
        try {
            LaunchPlanner.plan(inputs);
        } catch (LaunchException e) {
            return e;
        }
        throw new AssertionError("expected a LaunchException");
    }

    @Test
    void plansANonTeeLaunch() throws Exception {
        approved(NEW, OLD);
        userConfig("""
                MPC_IMAGE_NAME=example/mpc
                MPC_REGISTRY=127.0.0.1:5000
                MPC_IMAGE_TAGS=main,latest
                RPC_MAX_ATTEMPTS=3
                MPC_ENV=testnet
                MPC_SECRET_STORE_KEY=0011223344
                PORTS=8080:8080,bad
                EVIL=1
                """);
        LaunchPlan plan = LaunchPlanner.plan(inputs(env("NONTEE")));
        assertThat(plan.platform()).isEqualTo(Platform.NONTEE);
        assertThat(plan.selection().digest()).isEqualTo(NEW);
        assertThat(plan.selection().reason()).isEqualTo("newest of 2 approved hashes (from " + dir.resolve("image-digest.bin") + ")");
        assertThat(plan.approved().source()).isEqualTo(new ApprovedHashes.FromFile(dir.resolve("image-digest.bin")));
        assertThat(plan.image()).isEqualTo(new ImageReference("127.0.0.1:5000", "example/mpc", List.of("main", "latest")));
        assertThat(plan.settings().retry().maxAttempts()).isEqualTo(3);
        assertThat(plan.container().image()).isEqualTo(NEW.toString());
        assertThat(plan.container().ports()).containsExactly(new PortMapping(8080, 8080));
        assertThat(plan.container().env()).extracting(EnvVar::key)
                .containsExactly("MPC_ENV", "MPC_SECRET_STORE_KEY", "MPC_IMAGE_HASH", "MPC_LATEST_ALLOWED_HASH_FILE");
        assertThat(plan.container().mounts()).noneMatch(m -> m.target().equals("/var/run/dstack.sock"));
        assertThat(plan.rejected()).extracting(Rejection::key).containsExactly("PORTS[1]", "EVIL");
        assertThat(plan.userConfig()).isEqualTo(dir.resolve("user_config"));
        assertThat(plan.userConfigPresent()).isTrue();
        assertThat(plan.toString()).doesNotContain("0011223344");
    }

    @Test
    void plansATeeLaunchWithARealSocket() throws Exception {
        approved(NEW);
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("dstack.sock")));
            LaunchPlan plan = LaunchPlanner.plan(inputs(env("TEE")));
            assertThat(plan.platform()).isEqualTo(Platform.TEE);
            assertThat(plan.container().mounts())
                    .contains(Mount.bind(dir.resolve("dstack.sock").toString(), "/var/run/dstack.sock", false));
            assertThat(plan.container().env()).contains(new EnvVar("DSTACK_ENDPOINT", "/var/run/dstack.sock", false));
            assertThat(plan.userConfigPresent()).isFalse();
            assertThat(plan.settings()).isEqualTo(org.dstack4j.launcher.config.LauncherSettings.defaults());
        }
    }

    @Test
    void teeWithoutSocketFailsAtEnvironment() throws Exception {
        approved(NEW);
        var e = failure(inputs(env("TEE")));
        assertThat(e).isInstanceOf(InputException.class);
        assertThat(e.step()).isEqualTo(LaunchStep.ENVIRONMENT);
        assertThat(e.input()).isEqualTo(dir.resolve("dstack.sock").toString());
        assertThat(e.oneLine()).startsWith("launch failed at environment: ");
    }

    @Test
    void teeWithRegularFileAsSocketFails() throws Exception {
        approved(NEW);
        Files.writeString(dir.resolve("dstack.sock"), "");
        assertThat(failure(inputs(env("TEE"))).step()).isEqualTo(LaunchStep.ENVIRONMENT);
    }

    @Test
    void nonTeeDoesNotNeedTheSocket() throws Exception {
        approved(NEW);
        assertThat(LaunchPlanner.plan(inputs(env("NONTEE"))).platform()).isEqualTo(Platform.NONTEE);
    }

    @Test
    void platformOverrideFromTheCommandLineWins() throws Exception {
        approved(NEW);
        var base = inputs(env("TEE"));
        var overridden = new LaunchInputs(base.environment(), Optional.of(Platform.NONTEE), base.userConfig(),
                base.approvedHashes(), base.dstackSocket(), base.tappDir());
        assertThat(LaunchPlanner.plan(overridden).platform()).isEqualTo(Platform.NONTEE);
    }

    @Test
    void environmentIsCheckedBeforeAnythingIsRead() throws Exception {
        Files.createDirectory(dir.resolve("user_config"));
        Files.writeString(dir.resolve("image-digest.bin"), "garbage");
        var env = env("NONTEE");
        env.put("DOCKER_CONTENT_TRUST", "0");
        var e = failure(inputs(env));
        assertThat(e.step()).isEqualTo(LaunchStep.ENVIRONMENT);
        assertThat(e.getMessage()).isEqualTo("Environment variable DOCKER_CONTENT_TRUST must be set to 1.");
    }

    @Test
    void userConfigIsReadBeforeTheApprovedList() throws Exception {
        Files.createDirectory(dir.resolve("user_config"));
        Files.writeString(dir.resolve("image-digest.bin"), "garbage");
        assertThat(failure(inputs(env("NONTEE"))).step()).isEqualTo(LaunchStep.USER_CONFIG);
    }

    @Test
    void invalidLauncherSettingFailsAtUserConfig() throws Exception {
        approved(NEW);
        userConfig("MPC_REGISTRY=https://evil.example/v2");
        var e = failure(inputs(env("NONTEE")));
        assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
        assertThat(e.input()).isEqualTo("MPC_REGISTRY");
    }

    @Test
    void badApprovedListFailsAtSelectionEvenWithADefault() throws Exception {
        Files.writeString(dir.resolve("image-digest.bin"), "{\"approved_hashes\":[]}");
        var e = failure(inputs(env("NONTEE")));
        assertThat(e.step()).isEqualTo(LaunchStep.SELECTION);
        assertThat(e.input()).isEqualTo(dir.resolve("image-digest.bin").toString());
    }

    @Test
    void missingApprovedListUsesDefault() throws Exception {
        LaunchPlan plan = LaunchPlanner.plan(inputs(env("NONTEE")));
        assertThat(plan.selection().digest()).isEqualTo(DEFAULT);
        assertThat(plan.selection().reason()).startsWith("DEFAULT_IMAGE_DIGEST");
        assertThat(plan.approved().source()).isInstanceOf(ApprovedHashes.FromDefault.class);
    }

    @Test
    void missingApprovedListAndNoDefaultFails() {
        var env = env("NONTEE");
        env.remove("DEFAULT_IMAGE_DIGEST");
        assertThat(failure(inputs(env)).step()).isEqualTo(LaunchStep.SELECTION);
    }

    @Test
    void overrideSelectsAnApprovedOlderDigest() throws Exception {
        approved(NEW, OLD);
        userConfig("MPC_HASH_OVERRIDE=" + OLD);
        LaunchPlan plan = LaunchPlanner.plan(inputs(env("NONTEE")));
        assertThat(plan.selection().digest()).isEqualTo(OLD);
        assertThat(plan.container().image()).isEqualTo(OLD.toString());
        assertThat(plan.container().env()).contains(new EnvVar("MPC_IMAGE_HASH", OLD.bareHex(), false));
    }

    @Test
    void overrideOutsideTheListFails() throws Exception {
        approved(NEW, OLD);
        userConfig("MPC_HASH_OVERRIDE=" + DEFAULT);
        var e = failure(inputs(env("NONTEE")));
        assertThat(e.step()).isEqualTo(LaunchStep.SELECTION);
        assertThat(e.input()).isEqualTo("MPC_HASH_OVERRIDE");
    }

    @Test
    void userConfigCannotChangePlatformTrustOrPaths() throws Exception {
        approved(NEW);
        userConfig("""
                PLATFORM=TEE
                DOCKER_CONTENT_TRUST=0
                DEFAULT_IMAGE_DIGEST=%s
                DSTACK_ENDPOINT=/evil.sock
                MPC_LATEST_ALLOWED_HASH_FILE=/evil/list
                MPC_IMAGE_HASH=%s
                """.formatted(OLD.bareHex(), OLD.bareHex()));
        LaunchPlan plan = LaunchPlanner.plan(inputs(env("NONTEE")));
        assertThat(plan.platform()).isEqualTo(Platform.NONTEE);
        assertThat(plan.selection().digest()).isEqualTo(NEW);
        assertThat(plan.container().env()).containsExactly(
                new EnvVar("MPC_IMAGE_HASH", NEW.bareHex(), false),
                new EnvVar("MPC_LATEST_ALLOWED_HASH_FILE", "/mnt/shared/image-digest.bin", false));
        assertThat(plan.rejected()).extracting(Rejection::key).containsExactly(
                "PLATFORM", "DOCKER_CONTENT_TRUST", "DEFAULT_IMAGE_DIGEST", "DSTACK_ENDPOINT",
                "MPC_LATEST_ALLOWED_HASH_FILE", "MPC_IMAGE_HASH");
    }

    @Test
    void containerCapFailsTheLaunch() throws Exception {
        approved(NEW);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 65; i++) sb.append("MPC_V").append(i).append("=x\n");
        userConfig(sb.toString());
        var e = failure(inputs(env("NONTEE")));
        assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
        assertThat(e.input()).isEqualTo(dir.resolve("user_config").toString());
    }

    @Test
    void retryTimingFromUserConfig() throws Exception {
        approved(NEW);
        userConfig("RPC_REQUEST_TIMEOUT_SECS=0.5\nRPC_REQUEST_INTERVAL_SECS=0");
        var retry = LaunchPlanner.plan(inputs(env("NONTEE"))).settings().retry();
        assertThat(retry.requestTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(retry.delayBefore(2)).isEqualTo(Duration.ZERO);
    }

    @Test
    void defaultsUseProductionPaths() {
        var inputs = LaunchInputs.defaults(Map.of("PLATFORM", "TEE"));
        assertThat(inputs.userConfig()).isEqualTo(Path.of("/tapp/user_config"));
        assertThat(inputs.approvedHashes()).isEqualTo(Path.of("/mnt/shared/image-digest.bin"));
        assertThat(inputs.dstackSocket()).isEqualTo(Path.of("/var/run/dstack.sock"));
        assertThat(inputs.tappDir()).isEqualTo(Path.of("/tapp"));
        assertThat(inputs.platformOverride()).isEmpty();
        assertThat(inputs.environment()).containsEntry("PLATFORM", "TEE");
    }

    @Test
    void inputsCopyTheEnvironment() {
        Map<String, String> env = new HashMap<>(Map.of("A", "1"));
        var inputs = LaunchInputs.defaults(env);
        env.put("B", "2");
        assertThat(inputs.environment()).doesNotContainKey("B");
        assertThatThrownBy(() -> inputs.environment().put("C", "3")).isInstanceOf(UnsupportedOperationException.class);
    }
}
