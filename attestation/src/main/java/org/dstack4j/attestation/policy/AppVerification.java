package org.dstack4j.attestation.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.attestation.Check;

/**
 * The outcome of the MPC application checks. The extracted values are reported whatever the verdict
 * (so a rejected node can be diagnosed), but only vouched for when {@link #ok()}.
 *
 * @param checks              every check, in a stable order, each with its detail
 * @param mpcImageDigest      payload of the single {@code mpc-image-digest} event, 64 lowercase hex
 *                            (no {@code sha256:}), if there was exactly one with 32 bytes
 * @param composeHash         payload of the single {@code compose-hash} event, 64 hex, if exactly one with 32 bytes
 * @param launcherComposeHash SHA-256 of {@code app_compose.docker_compose_file}, 64 hex, if readable
 * @param reportDataHex       the quote's 64-byte report data, 128 lowercase hex
 * @param ok                  true iff there is at least one check and every check passed
 */
public record AppVerification(List<Check> checks, Optional<String> mpcImageDigest, Optional<String> composeHash,
        Optional<String> launcherComposeHash, String reportDataHex, boolean ok) {

    /** @throws IllegalArgumentException if {@code ok} disagrees with the checks */
    public AppVerification {
        checks = List.copyOf(checks);
        Objects.requireNonNull(mpcImageDigest, "mpcImageDigest");
        Objects.requireNonNull(composeHash, "composeHash");
        Objects.requireNonNull(launcherComposeHash, "launcherComposeHash");
        Objects.requireNonNull(reportDataHex, "reportDataHex");
        if (ok != allPass(checks)) {
            throw new IllegalArgumentException("ok must be true exactly when every check passed");
        }
    }

    /** A verification whose {@code ok} is computed from {@code checks}. */
    public static AppVerification of(List<Check> checks, Optional<String> mpcImageDigest, Optional<String> composeHash,
            Optional<String> launcherComposeHash, String reportDataHex) {
        return new AppVerification(checks, mpcImageDigest, composeHash, launcherComposeHash, reportDataHex, allPass(checks));
    }

    /** The failed checks, in order. */
    public List<Check> failures() {
        return checks.stream().filter(c -> !c.ok()).toList();
    }

    /** The check named {@code name}, if present. */
    public Optional<Check> check(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    private static boolean allPass(List<Check> checks) {
        return !checks.isEmpty() && checks.stream().allMatch(Check::ok);
    }
}
