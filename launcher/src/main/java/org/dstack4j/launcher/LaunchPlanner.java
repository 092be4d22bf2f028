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

/**
 * Steps 1–3 of a launch (docs/launcher.md "Flow"), with no network and no side effects: checks the
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
        // Step 2: untrusted user_config.
        t0 = System.nanoTime();
        UserConfig config = UserConfig.load(inputs.userConfig());
        LauncherSettings settings = LauncherSettings.from(config);
        done(timings, listener, LaunchStep.USER_CONFIG, t0, (config.source().isPresent()
                ? config.entries().size() + " entries from " + inputs.userConfig()
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
                container.spec(), container.rejected(), inputs.userConfig(), config.source().isPresent());
    }

    private static void done(StepTimings timings, LaunchListener listener, LaunchStep step, long startNanos, String summary) {
        java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - startNanos);
        timings.record(step, took);
        listener.stepDone(step, took, summary);
    }
}
