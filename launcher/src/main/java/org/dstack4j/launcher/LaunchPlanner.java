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
        // Step 1: trusted environment.
        LauncherEnvironment environment = LauncherEnvironment.from(inputs.environment(), inputs.platformOverride());
        if (environment.platform() == Platform.TEE) {
            DstackSocket.require(inputs.dstackSocket());
        }
        // Step 2: untrusted user_config.
        UserConfig config = UserConfig.load(inputs.userConfig());
        LauncherSettings settings = LauncherSettings.from(config);
        // Step 3: approved list and the one selected digest.
        ApprovedHashes approved = ApprovedHashes.load(inputs.approvedHashes(), environment.defaultDigest());
        Selection selection = DigestSelector.select(approved, settings.hashOverride());
        ContainerPlan container = ContainerRules.build(
                config, selection.digest(), environment.platform(), inputs.dstackSocket(), inputs.tappDir());
        return new LaunchPlan(environment.platform(), settings, approved, selection, settings.imageReference(),
                container.spec(), container.rejected(), inputs.userConfig(), config.source().isPresent());
    }
}
