package org.dstack4j.attestation.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * One allowed launcher compose hash derived from the contract's template ({@link LauncherTemplate}).
 *
 * @param composeHash    SHA-256 of the rendered compose, 64 lowercase hex
 * @param launcherDigest the launcher image digest filled in, 64 lowercase hex; empty for a 2025 template
 *                       that names a fixed launcher image
 * @param mpcDigest      the MPC image digest filled in as {@code DEFAULT_IMAGE_DIGEST}, 64 lowercase hex
 * @param template       where the template came from
 */
public record LauncherRendering(String composeHash, Optional<String> launcherDigest, String mpcDigest, String template) {
    public LauncherRendering {
        composeHash = Digests.normalizeHash(composeHash);
        launcherDigest = launcherDigest.map(Digests::normalizeHash);
        mpcDigest = Digests.normalizeHash(mpcDigest);
        Objects.requireNonNull(template, "template");
    }

    /** E.g. {@code launcher image sha256:…, MPC image sha256:… in launcher.yaml.template}. */
    public String describe() {
        return launcherDigest.map(l -> "launcher image sha256:" + l + ", ").orElse("fixed launcher image, ")
                + "MPC image sha256:" + mpcDigest + " in " + template;
    }
}
