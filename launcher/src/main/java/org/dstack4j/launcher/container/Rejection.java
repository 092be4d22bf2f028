package org.dstack4j.launcher.container;

/**
 * A user_config entry that was skipped instead of passed to the container. Names the key only:
 * the value may be a secret.
 *
 * @param key    the user_config key (or {@code PORTS[i]} for a port entry)
 * @param reason why it was skipped, without the value
 */
public record Rejection(String key, String reason) {}
