package org.dstack4j.cli.vmm;

import java.net.URI;
import java.time.Duration;
import org.dstack4j.vmm.VmmAuth;
import org.dstack4j.vmm.VmmClient;
import picocli.CommandLine.Option;

/** Where the VMM is and how to authenticate; secrets may come from the environment so they stay out of {@code ps}. */
public final class VmmOptions {
    @Option(names = "--vmm-url", paramLabel = "URL", defaultValue = "${env:DSTACK_VMM_URL:-http://127.0.0.1:8080}",
            description = "dstack-vmm's API (env DSTACK_VMM_URL; vmm-cli.py's default). Default: ${DEFAULT-VALUE}")
    URI url;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:DSTACK_VMM_TOKEN}",
            description = "API token of dstack-vmm 0.5.8's [auth] (Authorization: Bearer); env DSTACK_VMM_TOKEN")
    String token;

    @Option(names = "--user", paramLabel = "USER", defaultValue = "${env:DSTACK_VMM_AUTH_USER}",
            description = "HTTP Basic user (a proxy in front of the VMM, as vmm-cli.py); env DSTACK_VMM_AUTH_USER")
    String user;

    @Option(names = "--password", paramLabel = "PASSWORD", defaultValue = "${env:DSTACK_VMM_AUTH_PASSWORD}",
            description = "HTTP Basic password; prefer env DSTACK_VMM_AUTH_PASSWORD (a flag shows in ps)")
    String password;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "deadline of each VMM call, whole answer included. Default: ${DEFAULT-VALUE}")
    long timeoutSeconds;

    /**
     * Credentials from the environment alone ({@code DSTACK_VMM_TOKEN}, or {@code DSTACK_VMM_AUTH_USER} and
     * {@code DSTACK_VMM_AUTH_PASSWORD}), for commands that only occasionally call the VMM ({@code cluster host}).
     *
     * @throws IllegalArgumentException when both kinds, or a user without a password, are set
     */
    public static VmmAuth authFromEnvironment() {
        return auth(System.getenv("DSTACK_VMM_TOKEN"), System.getenv("DSTACK_VMM_AUTH_USER"), System.getenv("DSTACK_VMM_AUTH_PASSWORD"));
    }

    private static VmmAuth auth(String token, String user, String password) {
        if (token != null && user != null) throw new IllegalArgumentException("give --token or --user/--password, not both");
        if (user != null && password == null) throw new IllegalArgumentException("--user needs --password (or DSTACK_VMM_AUTH_PASSWORD)");
        return token != null ? new VmmAuth.Bearer(token) : user != null ? new VmmAuth.Basic(user, password) : new VmmAuth.None();
    }

    /** @throws IllegalArgumentException on a bad URL, both auth kinds, or a bad timeout */
    VmmClient open() {
        if (timeoutSeconds <= 0 || timeoutSeconds > 3600) throw new IllegalArgumentException("--timeout must be 1..3600 seconds");
        return new VmmClient(url, auth(token, user, password), Duration.ofSeconds(timeoutSeconds));
    }
}
