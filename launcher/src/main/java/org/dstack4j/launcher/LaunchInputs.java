package org.dstack4j.launcher;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.UserConfigFormat;

/**
 * Everything a launch plan is made from. The paths and the platform override come from measured
 * places (the command line or the launcher's environment), never from user_config.
 *
 * @param environment      the launcher's process environment ({@code DOCKER_CONTENT_TRUST},
 *                         {@code PLATFORM}, {@code DEFAULT_IMAGE_DIGEST})
 * @param platformOverride platform from the command line; wins over {@code PLATFORM}
 * @param userConfig       the user_config file (may be absent)
 * @param approvedHashes   the approved hashes file (may be absent)
 * @param dstackSocket     the guest agent socket (must be a socket in {@code TEE} mode)
 * @param tappDir          host directory bound read-only at {@code /tapp} in the node container
 * @param format           how to read user_config ({@code --user-config-format}, default auto)
 * @param nodeConfigFile   where TOML mode writes the node's {@code mpc-config.toml} (the host or
 *                         launcher-container path of the shared volume's file; the node always
 *                         reads it at {@code /mnt/shared/mpc-config.toml})
 */
public record LaunchInputs(
        Map<String, String> environment,
        Optional<Platform> platformOverride,
        Path userConfig,
        Path approvedHashes,
        Path dstackSocket,
        Path tappDir,
        UserConfigFormat format,
        Path nodeConfigFile) {

    public static final Path DEFAULT_USER_CONFIG = Path.of("/tapp/user_config");
    public static final Path DEFAULT_APPROVED_HASHES = Path.of("/mnt/shared/image-digest.bin");
    public static final Path DEFAULT_DSTACK_SOCKET = Path.of("/var/run/dstack.sock");
    public static final Path DEFAULT_TAPP_DIR = Path.of("/tapp");
    public static final Path DEFAULT_NODE_CONFIG_FILE = Path.of("/mnt/shared/mpc-config.toml");

    public LaunchInputs {
        environment = Map.copyOf(environment);
        Objects.requireNonNull(platformOverride, "platformOverride");
        Objects.requireNonNull(userConfig, "userConfig");
        Objects.requireNonNull(approvedHashes, "approvedHashes");
        Objects.requireNonNull(dstackSocket, "dstackSocket");
        Objects.requireNonNull(tappDir, "tappDir");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(nodeConfigFile, "nodeConfigFile");
    }

    /** user_config read in {@link UserConfigFormat#AUTO} mode; the node config at its production path. */
    public LaunchInputs(Map<String, String> environment, Optional<Platform> platformOverride, Path userConfig,
                        Path approvedHashes, Path dstackSocket, Path tappDir) {
        this(environment, platformOverride, userConfig, approvedHashes, dstackSocket, tappDir, UserConfigFormat.AUTO,
                DEFAULT_NODE_CONFIG_FILE);
    }

    /** The production paths ({@code /tapp/user_config}, {@code /mnt/shared/image-digest.bin},
     * {@code /var/run/dstack.sock}, {@code /tapp}) and no platform override. */
    public static LaunchInputs defaults(Map<String, String> environment) {
        return new LaunchInputs(environment, Optional.empty(), DEFAULT_USER_CONFIG, DEFAULT_APPROVED_HASHES,
                DEFAULT_DSTACK_SOCKET, DEFAULT_TAPP_DIR, UserConfigFormat.AUTO, DEFAULT_NODE_CONFIG_FILE);
    }
}
