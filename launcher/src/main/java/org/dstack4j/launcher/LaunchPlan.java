package org.dstack4j.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.launcher.config.UserConfigFormat;
import org.dstack4j.launcher.nodeconfig.TomlLaunch;
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
 * @param format            the format user_config was read in ({@code toml} or {@code env})
 * @param toml              TOML mode: the node config to write and the pull retries; empty in .env mode
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
        boolean userConfigPresent,
        UserConfigFormat format,
        Optional<TomlLaunch> toml) {

    public LaunchPlan {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(approved, "approved");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(container, "container");
        rejected = List.copyOf(rejected);
        Objects.requireNonNull(userConfig, "userConfig");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(toml, "toml");
    }

    /** A plan of the 2025 {@code .env} mode. */
    public LaunchPlan(Platform platform, LauncherSettings settings, ApprovedHashes approved, Selection selection,
                      ImageReference image, ContainerSpec container, List<Rejection> rejected, Path userConfig,
                      boolean userConfigPresent) {
        this(platform, settings, approved, selection, image, container, rejected, userConfig, userConfigPresent,
                UserConfigFormat.ENV, Optional.empty());
    }
}
