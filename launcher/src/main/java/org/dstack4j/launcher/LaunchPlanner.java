package org.dstack4j.launcher;

import org.dstack4j.launcher.config.DstackSocket;
import org.dstack4j.launcher.config.LauncherEnvironment;
import org.dstack4j.launcher.config.LauncherSettings;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.UserConfig;
import org.dstack4j.launcher.container.ContainerPlan;
import org.dstack4j.launcher.container.ContainerRules;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.launcher.selection.DigestSelector;
import org.dstack4j.launcher.selection.Selection;
import java.util.List;
import java.util.Optional;
import org.dstack4j.launcher.config.UserConfigFormat;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.nodeconfig.NodeConfig;
import org.dstack4j.launcher.nodeconfig.PullRetry;
import org.dstack4j.launcher.nodeconfig.TomlLaunch;
import org.dstack4j.launcher.nodeconfig.TomlUserConfig;
import org.dstack4j.launcher.nodeconfig.UserConfigReader;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.RetryPolicy;

/**
 * Steps 1–3 of a launch (spec/launcher.md "Flow"), with no network and no side effects: checks the
 * environment, reads user_config, loads the approved list, selects one digest and builds the
 * container spec. Everything after (registry, pull, measure, start) works from the returned plan.
 *
 * <p>Trust boundary: the platform, the trust settings and every path come from {@link LaunchInputs}
 * (the measured command line and environment); user_config only supplies the launcher-only settings
 * and the node's variables, both validated.
 */
public final class LaunchPlanner {
    private LaunchPlanner() {}

    /**
     * @throws LaunchException an {@link InputException} naming the first failing step:
     *                         {@link LaunchStep#ENVIRONMENT} (DOCKER_CONTENT_TRUST, PLATFORM,
     *                         DEFAULT_IMAGE_DIGEST, the dstack socket in TEE mode),
     *                         {@link LaunchStep#USER_CONFIG} (the file, a launcher-only value, the
     *                         container variable caps), {@link LaunchStep#SELECTION} (the approved
     *                         hashes file, MPC_HASH_OVERRIDE)
     */
    public static LaunchPlan plan(LaunchInputs inputs) throws LaunchException {
        return plan(inputs, new StepTimings(), LaunchListener.SILENT);
    }

    /**
     * Same as {@link #plan(LaunchInputs)}, recording each step's duration in {@code timings} and
     * reporting what it established to {@code listener} (keys and digests only, never values).
     */
    public static LaunchPlan plan(LaunchInputs inputs, StepTimings timings, LaunchListener listener)
            throws LaunchException {
        // Step 1: trusted environment.
        long t0 = System.nanoTime();
        LauncherEnvironment environment = LauncherEnvironment.from(inputs.environment(), inputs.platformOverride());
        if (environment.platform() == Platform.TEE) {
            DstackSocket.require(inputs.dstackSocket());
        }
        done(timings, listener, LaunchStep.ENVIRONMENT, t0, "DOCKER_CONTENT_TRUST=1, platform " + environment.platform()
                + (environment.platform() == Platform.TEE ? ", agent socket " + inputs.dstackSocket() : ""));
        // Step 2: untrusted user_config, in the format the command line chose.
        t0 = System.nanoTime();
        UserConfigReader.Read read = UserConfigReader.read(inputs.userConfig(), inputs.format());
        return switch (read) {
            case UserConfigReader.EnvFormat env -> planEnv(inputs, environment, env.config(), timings, listener, t0);
            case UserConfigReader.TomlFormat toml -> planToml(inputs, environment, toml.config(), timings, listener, t0);
        };
    }

    private static LaunchPlan planEnv(LaunchInputs inputs, LauncherEnvironment environment, UserConfig config,
                                      StepTimings timings, LaunchListener listener, long t0) throws LaunchException {
        LauncherSettings settings = LauncherSettings.from(config);
        done(timings, listener, LaunchStep.USER_CONFIG, t0, (config.source().isPresent()
                ? ".env format, " + config.entries().size() + " entries from " + inputs.userConfig()
                : inputs.userConfig() + " absent: defaults") + "; image " + settings.imageReference().repository()
                + " tags " + String.join(",", settings.imageReference().tags()));
        // Step 3: approved list and the one selected digest.
        t0 = System.nanoTime();
        ApprovedHashes approved = ApprovedHashes.load(inputs.approvedHashes(), environment.defaultDigest());
        Selection selection = DigestSelector.select(approved, settings.hashOverride());
        ContainerPlan container = ContainerRules.build(
                config, selection.digest(), environment.platform(), inputs.dstackSocket(), inputs.tappDir());
        for (var r : container.rejected()) {
            listener.progress(LaunchStep.SELECTION, "user_config entry " + r.key() + " not passed to the node: " + r.reason());
        }
        done(timings, listener, LaunchStep.SELECTION, t0, "selected " + selection.digest() + ": " + selection.reason());
        return new LaunchPlan(environment.platform(), settings, approved, selection, settings.imageReference(),
                container.spec(), container.rejected(), inputs.userConfig(), config.source().isPresent(),
                UserConfigFormat.ENV, Optional.empty());
    }

    /**
     * TOML mode (today's production launcher): the node config is checked here ({@code [tee]},
     * {@code gcp} in TEE) and rendered with the selected digest, so that every refusal comes before
     * anything is contacted. Selection as production: a missing approved hashes file means
     * {@code DEFAULT_IMAGE_DIGEST}, with {@code mpc_hash_override} ignored (and said so).
     */
    private static LaunchPlan planToml(LaunchInputs inputs, LauncherEnvironment environment, TomlUserConfig config,
                                       StepTimings timings, LaunchListener listener, long t0) throws LaunchException {
        String rawDefault = inputs.environment().get(LauncherEnvironment.DEFAULT_IMAGE_DIGEST);
        if (rawDefault != null && !rawDefault.isEmpty() && !rawDefault.startsWith("sha256:")) {
            throw new InputException(LaunchStep.ENVIRONMENT, LauncherEnvironment.DEFAULT_IMAGE_DIGEST,
                    "DEFAULT_IMAGE_DIGEST invalid: TOML mode needs the sha256: prefix, as the production launcher does",
                    "set DEFAULT_IMAGE_DIGEST=sha256:<64 lowercase hex> in the launcher's compose file");
        }
        NodeConfig.check(config.nodeConfig(), environment.platform());
        PullRetry pull = config.pull();
        ImageReference image = config.image();
        LauncherSettings settings = new LauncherSettings(image.name(), image.registry(), image.tags(),
                config.hashOverride().map(Object::toString),
                new RetryPolicy(LauncherSettings.DEFAULT_REQUEST_TIMEOUT, pull.interval(),
                        Math.min(pull.maxRetries() + 1, LauncherSettings.MAX_MAX_ATTEMPTS)));
        done(timings, listener, LaunchStep.USER_CONFIG, t0, "TOML format from " + inputs.userConfig() + "; image "
                + image.repository() + " (tag " + image.tags().getFirst() + " for an image-ID digest), "
                + config.ports().size() + " port mapping(s), pull retries " + pull.maxRetries());
        // Step 3
        t0 = System.nanoTime();
        ApprovedHashes approved = ApprovedHashes.load(inputs.approvedHashes(), environment.defaultDigest());
        Optional<String> override = settings.hashOverride();
        if (approved.source() instanceof ApprovedHashes.FromDefault && override.isPresent()) {
            listener.progress(LaunchStep.SELECTION, TomlUserConfig.HASH_OVERRIDE + " " + override.get()
                    + " ignored: the approved hashes file is absent, so DEFAULT_IMAGE_DIGEST is used (production rule)");
            override = Optional.empty();
        }
        Selection selection = DigestSelector.select(approved, override, TomlUserConfig.HASH_OVERRIDE);
        NodeConfig nodeConfig = NodeConfig.render(config.nodeConfig(), environment.platform(), selection.digest(),
                ContainerRules.DSTACK_SOCKET_TARGET, ContainerRules.APPROVED_HASHES_IN_CONTAINER);
        ContainerSpec container = ContainerRules.node(config.ports(), selection.digest(), environment.platform(),
                inputs.dstackSocket(), inputs.tappDir(), NodeConfig.NODE_COMMAND);
        done(timings, listener, LaunchStep.SELECTION, t0, "selected " + selection.digest() + ": " + selection.reason()
                + "; node config " + nodeConfig.digest() + " for " + inputs.nodeConfigFile());
        return new LaunchPlan(environment.platform(), settings, approved, selection, image, container, List.of(),
                inputs.userConfig(), true, UserConfigFormat.TOML,
                Optional.of(new TomlLaunch(nodeConfig, inputs.nodeConfigFile(), pull)));
    }

    private static void done(StepTimings timings, LaunchListener listener, LaunchStep step, long startNanos, String summary) {
        java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - startNanos);
        timings.record(step, took);
        listener.stepDone(step, took, summary);
    }
}
