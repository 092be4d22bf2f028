package org.dstack4j.launcher.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.dstack4j.launcher.AgentException;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchException;
import org.dstack4j.launcher.LaunchListener;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchPlanner;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.Launcher;
import org.dstack4j.launcher.RegistryException;
import org.dstack4j.launcher.StepTimings;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.engine.ContainerEngine;
import org.dstack4j.launcher.measurement.Measurement;
import org.dstack4j.launcher.measurement.Measurer;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steps 4–6 ({@link Launcher}) under faults injected through fakes of the registry check, the engine
 * and the agent: the order of effects is the security property. RTMR3 is extended only after both
 * the registry and the engine proved the selected image, exactly once; an existing {@code mpc-node}
 * is removed only after that; a fault anywhere before leaves it untouched. (The same faults against
 * a real dockerd, registry and agent are in the e2e module.)
 */
class LauncherFaultsTest {
    static final ImageDigest SELECTED = Workspace.NEWEST;
    static final ImageDigest MANIFEST = ImageDigest.of("manifest".getBytes());

    @TempDir
    Path dir;

    final List<String> effects = new CopyOnWriteArrayList<>();

    /** Records every engine call; answers as configured. */
    final class FakeEngine implements ContainerEngine {
        ImageDigest pulledId = SELECTED;
        List<String> repoDigests = List.of();
        int pullFailures;
        org.dstack4j.launcher.engine.ExistingContainer existing;
        EngineException pullFailure;
        EngineException createFailure;

        @Override
        public ImageDigest pull(ValidatedImage image, Optional<RegistryCredentials> credentials, Consumer<String> progress)
                throws EngineException {
            effects.add("pull " + image.pullReference());
            if (pullFailure != null) throw pullFailure;
            if (pullFailures > 0) {
                pullFailures--;
                throw new EngineException(LaunchStep.PULL, image.pullReference(), "registry hiccup", "retry");
            }
            return pulledId;
        }

        @Override
        public Optional<ImageDigest> imageId(String reference) {
            return Optional.of(pulledId);
        }

        @Override
        public Optional<org.dstack4j.launcher.engine.ExistingContainer> container(String name) {
            effects.add("inspect " + name);
            return Optional.ofNullable(existing);
        }

        @Override
        public void start(String id) {
            effects.add("start " + id);
        }

        @Override
        public List<String> repoDigests(String reference) {
            return repoDigests;
        }

        @Override
        public boolean removeContainer(String name) {
            effects.add("remove " + name);
            return true;
        }

        @Override
        public String createAndStart(ContainerSpec spec) throws EngineException {
            effects.add("create " + spec.image());
            if (createFailure != null) throw createFailure;
            return "c".repeat(64);
        }

        @Override
        public void close() {}
    }

    final FakeEngine engine = new FakeEngine();
    AgentException measureFailure;

    final Measurer measurer = (digest, log) -> {
        effects.add("measure " + digest);
        if (measureFailure != null) throw measureFailure;
        return new Measurement("00".repeat(48), "11".repeat(48), "22".repeat(48), 5006);
    };

    private LaunchPlan plan(String platform) throws Exception {
        try (Workspace w = new Workspace(dir)) {
            if (platform.equals("TEE")) w.tee();
            return LaunchPlanner.plan(w.inputs());
        }
    }

    private Launcher.RegistryValidation registryAnswering(ImageDigest imageId) {
        return (ref, selected, log) -> {
            effects.add("validate " + selected);
            return new ValidatedImage(ref, "latest", MANIFEST, imageId, "application/vnd.oci.image.manifest.v1+json");
        };
    }

    private Launcher launcher(Launcher.RegistryValidation registry, boolean tee) {
        return new Launcher(registry, engine, tee ? Optional.of(measurer) : Optional.empty(), Optional.empty(), LaunchListener.SILENT);
    }

    private LaunchException failure(Launcher launcher, LaunchPlan plan) {
        try {
            launcher.launch(plan, new StepTimings(), Instant.now());
        } catch (LaunchException e) {
            return e;
        }
        throw new AssertionError("the launch must fail");
    }

    @Test
    void successMeasuresOnceAfterValidationAndPullThenReplacesTheNode() throws Exception {
        var report = launcher(registryAnswering(SELECTED), true).launch(plan("TEE"), new StepTimings(), Instant.now());
        String pullRef = "registry.hub.docker.com/nearone/mpc-node@" + MANIFEST;
        assertThat(effects).containsExactly("validate " + SELECTED, "pull " + pullRef, "measure " + SELECTED,
                "remove mpc-node", "create " + SELECTED);
        assertThat(report.replacedContainer()).isTrue();
    }

    @Test
    void registryReturningAnotherImageStopsBeforeThePull() throws Exception {
        LaunchException e = failure(launcher(registryAnswering(Workspace.NOT_APPROVED), true), plan("TEE"));
        assertThat(e).isInstanceOf(RegistryException.class);
        assertThat(e.step()).isEqualTo(LaunchStep.REGISTRY);
        assertThat(e.getMessage()).contains("returned image-id " + Workspace.NOT_APPROVED + " instead of " + SELECTED);
        assertThat(effects).containsExactly("validate " + SELECTED);
    }

    /** The approved digest is a manifest digest; the registry proved it names image {@code CONFIG}. */
    private Launcher.RegistryValidation registryProvingManifest() {
        return (ref, selected, log) -> {
            effects.add("validate " + selected);
            return new ValidatedImage(ref, "", selected, CONFIG, "application/vnd.oci.image.index.v1+json",
                    org.dstack4j.launcher.registry.DigestKind.MANIFEST);
        };
    }

    static final ImageDigest CONFIG = ImageDigest.of("config".getBytes());

    @Test
    void manifestDigestIsMeasuredAndTheContainerStartsFromTheImageId() throws Exception {
        engine.pulledId = CONFIG;
        engine.repoDigests = List.of("registry.hub.docker.com/nearone/mpc-node@" + SELECTED);
        var report = launcher(registryProvingManifest(), true).launch(plan("TEE"), new StepTimings(), Instant.now());
        assertThat(effects).containsExactly("validate " + SELECTED, "pull registry.hub.docker.com/nearone/mpc-node@" + SELECTED,
                "measure " + SELECTED, "remove mpc-node", "create " + CONFIG);
        assertThat(report.validated().kind()).isEqualTo(org.dstack4j.launcher.registry.DigestKind.MANIFEST);
        assertThat(report.container().image()).isEqualTo(CONFIG.toString());
    }

    @Test
    void manifestDigestMissingFromRepoDigestsStopsBeforeMeasuring() throws Exception {
        engine.pulledId = CONFIG;
        engine.repoDigests = List.of("registry.hub.docker.com/nearone/mpc-node@" + MANIFEST);
        LaunchException e = failure(launcher(registryProvingManifest(), true), plan("TEE"));
        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
        assertThat(e.getMessage()).contains("do not contain the approved " + SELECTED);
        assertThat(effects).noneMatch(s -> s.startsWith("measure") || s.startsWith("remove") || s.startsWith("create"));
    }

    private LaunchPlan tomlPlan(String extraLauncher) throws Exception {
        try (Workspace w = new Workspace(dir)) {
            w.tee();
            w.userConfig(Workspace.toml(extraLauncher));
            return LaunchPlanner.plan(w.tomlInputs());
        }
    }

    @Test
    void tomlModeWritesTheNodeConfigThenCreatesTheNodeAndAnUnchangedRelaunchReusesIt() throws Exception {
        LaunchPlan plan = tomlPlan("");
        var first = launcher(registryAnswering(SELECTED), true).launch(plan, new StepTimings(), Instant.now());
        assertThat(effects).containsExactly("validate " + SELECTED, "pull registry.hub.docker.com/nearone/mpc-node@" + MANIFEST,
                "measure " + SELECTED, "inspect mpc-node", "remove mpc-node", "create " + SELECTED);
        assertThat(Files.readString(dir.resolve("mpc-config.toml"))).contains(Workspace.SECRET_STORE_KEY).contains("tee.image_hash");
        assertThat(first.reusedContainer()).isFalse();
        assertThat(first.container().command()).containsExactly("/app/mpc-node", "start-with-config-file", "/mnt/shared/mpc-config.toml");

        // the engine now has a stopped mpc-node created from exactly this spec
        engine.existing = new org.dstack4j.launcher.engine.ExistingContainer("c".repeat(64),
                java.util.Map.of(org.dstack4j.launcher.engine.DockerEngine.SPEC_LABEL, first.container().fingerprint().toString()), false);
        effects.clear();
        var second = launcher(registryAnswering(SELECTED), true).launch(plan, new StepTimings(), Instant.now());
        assertThat(second.reusedContainer()).isTrue();
        assertThat(effects).containsExactly("validate " + SELECTED, "pull registry.hub.docker.com/nearone/mpc-node@" + MANIFEST,
                "measure " + SELECTED, "inspect mpc-node", "start " + "c".repeat(64));

        // a container from another spec (image, config or settings) is replaced
        engine.existing = new org.dstack4j.launcher.engine.ExistingContainer("d".repeat(64),
                java.util.Map.of(org.dstack4j.launcher.engine.DockerEngine.SPEC_LABEL, "sha256:" + "0".repeat(64)), true);
        effects.clear();
        var third = launcher(registryAnswering(SELECTED), true).launch(plan, new StepTimings(), Instant.now());
        assertThat(third.reusedContainer()).isFalse();
        assertThat(effects).containsSubsequence("inspect mpc-node", "remove mpc-node", "create " + SELECTED);
    }

    @Test
    void tomlModeRetriesAFailedPullWithTheConfiguredBackOff() throws Exception {
        LaunchPlan plan = tomlPlan("pull_max_retries = 3\npull_retry_interval_secs = 2\npull_max_delay_secs = 3");
        engine.pullFailures = 3;
        List<java.time.Duration> slept = new java.util.ArrayList<>();
        launcher(registryAnswering(SELECTED), true).withSleeper(slept::add).launch(plan, new StepTimings(), Instant.now());
        assertThat(slept).containsExactly(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(3), java.time.Duration.ofSeconds(3));
        assertThat(effects.stream().filter(s -> s.startsWith("pull "))).hasSize(4);
    }

    @Test
    void tomlModeGivesUpAfterTheRetriesWithoutMeasuring() throws Exception {
        LaunchPlan plan = tomlPlan("pull_max_retries = 1\npull_retry_interval_secs = 0");
        engine.pullFailures = 2;
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true), plan);
        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
        assertThat(effects.stream().filter(s -> s.startsWith("pull "))).hasSize(2);
        assertThat(effects).noneMatch(s -> s.startsWith("measure") || s.startsWith("create"));
        assertThat(Files.exists(dir.resolve("mpc-config.toml"))).isFalse();
    }

    @Test
    void aPermanentPullFailureIsNotRetried() throws Exception {
        LaunchPlan plan = tomlPlan("pull_max_retries = 3\npull_retry_interval_secs = 2");
        engine.pullFailure = new EngineException(LaunchStep.PULL, "ref", "manifest unknown", "push it", null, true);
        List<java.time.Duration> slept = new java.util.ArrayList<>();
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true).withSleeper(slept::add), plan);
        assertThat(e).isSameAs(engine.pullFailure);
        assertThat(slept).isEmpty();
        assertThat(effects.stream().filter(s -> s.startsWith("pull "))).hasSize(1);
    }

    @Test
    void pullRetriesStopAtTheTotalBudgetNotAfterHundredsOfHours() throws Exception {
        // the largest settings a user_config may hold: 100 retries of up to an hour each
        LaunchPlan plan = tomlPlan("pull_max_retries = 100\npull_retry_interval_secs = 1800\npull_max_delay_secs = 3600");
        engine.pullFailures = 1000;
        List<java.time.Duration> slept = new java.util.ArrayList<>();
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true).withSleeper(slept::add), plan);
        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
        assertThat(slept.stream().reduce(java.time.Duration.ZERO, java.time.Duration::plus))
                .isLessThanOrEqualTo(org.dstack4j.launcher.nodeconfig.PullRetry.MAX_TOTAL);
        // 30 min, then the next wait (45 min) would pass the hour
        assertThat(slept).containsExactly(java.time.Duration.ofMinutes(30));
        assertThat(effects.stream().filter(s -> s.startsWith("pull "))).hasSize(2);
    }

    @Test
    void registryFailureTouchesNothing() throws Exception {
        Launcher.RegistryValidation failing = (ref, selected, log) -> {
            effects.add("validate " + selected);
            throw new RegistryException(LaunchStep.REGISTRY, ref.registry(), "Image hash not found among tags.", "push it");
        };
        LaunchException e = failure(launcher(failing, true), plan("TEE"));
        assertThat(e.step()).isEqualTo(LaunchStep.REGISTRY);
        assertThat(effects).containsExactly("validate " + SELECTED);
    }

    @Test
    void engineImageIdDifferentFromTheSelectionStopsBeforeMeasuring() throws Exception {
        engine.pulledId = Workspace.NOT_APPROVED; // e.g. a tampered engine or a moved tag
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true), plan("TEE"));
        assertThat(e).isInstanceOf(EngineException.class);
        assertThat(e.step()).isEqualTo(LaunchStep.PULL);
        assertThat(e.input()).isEqualTo("registry.hub.docker.com/nearone/mpc-node@" + MANIFEST);
        assertThat(e.getMessage()).contains("the engine's image ID " + Workspace.NOT_APPROVED + " differs from the " + SELECTED + " the registry proved");
        assertThat(effects).noneMatch(s -> s.startsWith("measure") || s.startsWith("remove") || s.startsWith("create"));
    }

    @Test
    void pullFailureStopsBeforeMeasuring() throws Exception {
        engine.pullFailure = new EngineException(LaunchStep.PULL, "ref", "cannot talk to the container engine", "start dockerd");
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true), plan("TEE"));
        assertThat(e).isSameAs(engine.pullFailure);
        assertThat(effects).noneMatch(s -> s.startsWith("measure") || s.startsWith("remove") || s.startsWith("create"));
    }

    @Test
    void agentFailureLeavesTheExistingNodeUntouched() throws Exception {
        measureFailure = new AgentException(LaunchStep.MEASURE, "/var/run/dstack.sock", "EmitEvent failed: HTTP 400", "check the agent");
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true), plan("TEE"));
        assertThat(e).isSameAs(measureFailure);
        assertThat(effects).last().isEqualTo("measure " + SELECTED);
        assertThat(effects).noneMatch(s -> s.startsWith("remove") || s.startsWith("create"));
    }

    @Test
    void startFailureHappensAfterExactlyOneMeasurementOfTheValidatedDigest() throws Exception {
        engine.createFailure = new EngineException(LaunchStep.START, "mpc-node", "port already in use", "free the port");
        LaunchException e = failure(launcher(registryAnswering(SELECTED), true), plan("TEE"));
        assertThat(e.step()).isEqualTo(LaunchStep.START);
        assertThat(effects).filteredOn(s -> s.startsWith("measure")).containsExactly("measure " + SELECTED);
    }

    @Test
    void nonTeeNeverMeasures() throws Exception {
        launcher(registryAnswering(SELECTED), false).launch(plan("NONTEE"), new StepTimings(), Instant.now());
        assertThat(effects).noneMatch(s -> s.startsWith("measure"));
    }

    @Test
    void aMeasurerIsRequiredInTeeAndForbiddenInNonTee() throws Exception {
        LaunchPlan tee = plan("TEE");
        assertThatThrownBy(() -> launcher(registryAnswering(SELECTED), false).launch(tee, new StepTimings(), Instant.now()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(effects).isEmpty();
    }

    @Test
    void theImageReferenceValidatedIsThePlans() throws Exception {
        List<ImageReference> seen = new CopyOnWriteArrayList<>();
        Launcher.RegistryValidation recording = (ref, selected, log) -> {
            seen.add(ref);
            return registryAnswering(SELECTED).validate(ref, selected, log);
        };
        LaunchPlan plan = plan("NONTEE");
        launcher(recording, false).launch(plan, new StepTimings(), Instant.now());
        assertThat(seen).containsExactly(plan.image());
    }
}
