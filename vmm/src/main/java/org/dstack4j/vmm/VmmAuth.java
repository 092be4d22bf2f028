package org.dstack4j.vmm;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * How requests authenticate: none, a Bearer token (dstack-vmm 0.5.8's {@code [auth] tokens}, sent as
 * {@code Authorization: Bearer …}) or HTTP Basic (a reverse proxy in front of the VMM, as vmm-cli.py's
 * {@code --auth-user}). {@link #toString()} never shows the secret.
 */
public sealed interface VmmAuth {
    /** The {@code Authorization} header value, if any. */
    Optional<String> header();

    record None() implements VmmAuth {
        public Optional<String> header() {
            return Optional.empty();
        }
    }

    record Bearer(String token) implements VmmAuth {
        public Bearer {
            if (token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) throw new IllegalArgumentException("the VMM token must be printable ASCII without spaces");
        }

        public Optional<String> header() {
            return Optional.of("Bearer " + token);
        }

        @Override
        public String toString() {
            return "Bearer[***]";
        }
    }

    record Basic(String user, String password) implements VmmAuth {
        public Basic {
            if (user.contains(":")) throw new IllegalArgumentException("a Basic auth user name cannot contain ':'");
        }

        public Optional<String> header() {
            return Optional.of("Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String toString() {
            return "Basic[" + user + ":***]";
        }
    }
}
