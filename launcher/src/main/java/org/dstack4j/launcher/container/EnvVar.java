package org.dstack4j.launcher.container;

import org.dstack4j.launcher.config.SafeText;

/**
 * One environment variable passed to the node container.
 *
 * @param key    variable name
 * @param value  value as passed to the engine (may be a secret)
 * @param secret true if the value must never be logged ({@link #redacted()} prints {@code ***})
 */
public record EnvVar(String key, String value, boolean secret) {
    /** {@code KEY=VALUE} with the real value: only for the engine, never for logs. */
    public String toEngine() {
        return key + "=" + value;
    }

    /**
     * {@code KEY=VALUE}, or {@code KEY=***} for a secret: safe to log and report. Control, format
     * (e.g. U+202E) and line-separator (U+2028/2029) characters are escaped, so a value cannot
     * start a fake log line.
     */
    public String redacted() {
        return SafeText.escape(key) + "=" + (secret ? "***" : SafeText.escape(value));
    }

    /** Redacted, so that an accidental log of the record cannot leak a secret. */
    @Override
    public String toString() {
        return redacted();
    }
}
