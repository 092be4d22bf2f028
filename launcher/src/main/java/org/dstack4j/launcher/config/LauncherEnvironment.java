package org.dstack4j.launcher.config;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * The trusted settings from the launcher's process environment, which the measured compose file
 * sets (docs/launcher.md "Inputs", step 1). user_config never contributes here.
 *
 * @param platform      {@code TEE} or {@code NONTEE}
 * @param defaultDigest {@code DEFAULT_IMAGE_DIGEST}, used when the approved hashes file is absent
 */
public record LauncherEnvironment(Platform platform, Optional<ImageDigest> defaultDigest) {
    public static final String DOCKER_CONTENT_TRUST = "DOCKER_CONTENT_TRUST";
    public static final String PLATFORM = "PLATFORM";
    public static final String DEFAULT_IMAGE_DIGEST = "DEFAULT_IMAGE_DIGEST";

    public LauncherEnvironment {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(defaultDigest, "defaultDigest");
    }

    /**
     * Checks and reads the environment.
     *
     * <ul>
     *   <li>{@code DOCKER_CONTENT_TRUST} must be exactly {@code 1};</li>
     *   <li>the platform is {@code platformOverride} when given (a command-line flag, also a measured
     *       place), else {@code PLATFORM}, which must then be exactly {@code TEE} or {@code NONTEE}: a
     *       missing value is an error, never a silent {@code NONTEE} that would skip measurement;</li>
     *   <li>{@code DEFAULT_IMAGE_DIGEST} is optional; unset or empty means none; otherwise
     *       {@code sha256:<64 lowercase hex>} or the 64 hex characters alone (the prefix is added).</li>
     * </ul>
     *
     * @param env              the launcher's process environment
     * @param platformOverride the platform from the command line, winning over {@code PLATFORM}
     * @throws InputException at {@link LaunchStep#ENVIRONMENT}, input = the variable at fault
     */
    public static LauncherEnvironment from(Map<String, String> env, Optional<Platform> platformOverride)
            throws InputException {
        if (!"1".equals(env.get(DOCKER_CONTENT_TRUST))) {
            throw new InputException(LaunchStep.ENVIRONMENT, DOCKER_CONTENT_TRUST,
                    "Environment variable DOCKER_CONTENT_TRUST must be set to 1.",
                    "set DOCKER_CONTENT_TRUST=1 in the launcher's compose file");
        }
        Platform platform;
        if (platformOverride.isPresent()) {
            platform = platformOverride.get();
        } else {
            String raw = env.get(PLATFORM);
            platform = Platform.parse(raw).orElseThrow(() -> new InputException(LaunchStep.ENVIRONMENT, PLATFORM,
                    raw == null ? "Environment variable PLATFORM is not set."
                            : "PLATFORM invalid: " + SafeText.excerpt(raw),
                    "set PLATFORM to TEE or NONTEE in the launcher's compose file"));
        }
        return new LauncherEnvironment(platform, defaultDigest(env.get(DEFAULT_IMAGE_DIGEST)));
    }

    private static Optional<ImageDigest> defaultDigest(String raw) throws InputException {
        if (raw == null || raw.isEmpty()) return Optional.empty();
        String text = raw.startsWith("sha256:") ? raw : "sha256:" + raw;
        Optional<ImageDigest> digest = ImageDigest.parse(text);
        if (digest.isEmpty()) {
            throw new InputException(LaunchStep.ENVIRONMENT, DEFAULT_IMAGE_DIGEST,
                    "DEFAULT_IMAGE_DIGEST invalid: " + SafeText.excerpt(raw),
                    "set DEFAULT_IMAGE_DIGEST to sha256:<64 lowercase hex> (the prefix is optional), or leave it unset");
        }
        return digest;
    }
}
