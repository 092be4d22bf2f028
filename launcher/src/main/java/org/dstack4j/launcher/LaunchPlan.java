package org.dstack4j.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.dstack4j.launcher.config.LauncherSettings;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.Rejection;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.launcher.selection.Selection;

/**
 * The outcome of steps 1–3: what will be validated and started, and why. Enough for a dry-run
 * report; holds no secret in its {@code toString()} ({@link org.dstack4j.launcher.container.EnvVar}
 * redacts itself).
 *
 * @param platform          {@code TEE} or {@code NONTEE}
 * @param settings          launcher-only settings from user_config (image, registry, tags, retries)
 * @param approved          the approved list and where it came from
 * @param selection         the one selected digest and why
 * @param image             where the registry validation looks (registry, name, tags)
 * @param container         the node container to start once the image is validated
 * @param rejected          user_config entries skipped, by key
 * @param userConfig        the user_config path
 * @param userConfigPresent whether that file existed (absent = empty config)
 */
public record LaunchPlan(
        Platform platform,
        LauncherSettings settings,
        ApprovedHashes approved,
        Selection selection,
        ImageReference image,
        ContainerSpec container,
        List<Rejection> rejected,
        Path userConfig,
        boolean userConfigPresent) {

    public LaunchPlan {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(approved, "approved");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(container, "container");
        rejected = List.copyOf(rejected);
        Objects.requireNonNull(userConfig, "userConfig");
    }
}
