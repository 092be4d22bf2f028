package org.dstack4j.launcher.nodeconfig;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What TOML mode adds to a launch plan: the node config to write, where, and the pull retries.
 *
 * @param nodeConfig the rendered {@code mpc-config.toml} (with {@code [tee]})
 * @param file       where the launcher writes it (the shared volume's {@code mpc-config.toml})
 * @param pull       retries of the engine pull
 */
public record TomlLaunch(NodeConfig nodeConfig, Path file, PullRetry pull) {
    public TomlLaunch {
        Objects.requireNonNull(nodeConfig, "nodeConfig");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(pull, "pull");
    }
}
