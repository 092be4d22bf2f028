package org.dstack4j.launcher.config;

import java.util.Locale;
import java.util.Optional;

/**
 * How the launcher reads {@code /tapp/user_config}; chosen on the launcher's command line (a
 * measured place), never by the file itself.
 *
 * <ul>
 *   <li>{@link #ENV}: the 2025 {@code KEY=VALUE} format; a missing file is an empty config.</li>
 *   <li>{@link #TOML}: today's production format ({@code [launcher_config]} and
 *       {@code [mpc_node_config]}); a missing file is an error.</li>
 *   <li>{@link #AUTO}: TOML when the file parses as TOML and has a {@code [launcher_config]} or
 *       {@code [mpc_node_config]} table, otherwise {@code .env}; a missing file is an empty
 *       {@code .env} config; a file that is neither is an error naming the first parse error of
 *       each.</li>
 * </ul>
 */
public enum UserConfigFormat {
    AUTO, TOML, ENV;

    /** {@code auto}, {@code toml} or {@code env}, as the flag spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code auto|toml|env} (any case); empty otherwise. */
    public static Optional<UserConfigFormat> parse(String text) {
        for (UserConfigFormat f : values()) {
            if (f.name().equalsIgnoreCase(text)) return Optional.of(f);
        }
        return Optional.empty();
    }
}
