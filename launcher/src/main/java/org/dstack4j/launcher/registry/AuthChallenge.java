package org.dstack4j.launcher.registry;

import java.util.Map;
import java.util.Optional;

/**
 * One challenge from a {@code WWW-Authenticate} header (RFC 7235 §2.1).
 *
 * @param scheme  the auth scheme as sent, e.g. {@code Bearer}; compare with {@link #is(String)}
 * @param params  auth-params with lowercase names (names are case-insensitive) and unescaped values
 * @param token68 the token68 form instead of params, if the challenge used it
 */
public record AuthChallenge(String scheme, Map<String, String> params, Optional<String> token68) {
    public AuthChallenge {
        params = Map.copyOf(params);
    }

    /** Whether the scheme is {@code name}, case-insensitively. */
    public boolean is(String name) {
        return scheme.equalsIgnoreCase(name);
    }

    /** The parameter {@code name} (lowercase), if present. */
    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }
}
