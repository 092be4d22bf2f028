package org.dstack4j.launcher.selection;

import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.LauncherSettings;
import org.dstack4j.launcher.config.SafeText;

/**
 * Step 3: selects exactly one digest from the approved list (spec/launcher.md "Flow").
 *
 * <p>{@code MPC_HASH_OVERRIDE}, when present in user_config, must be {@code sha256:<64 lowercase
 * hex>} and one of the approved digests; otherwise the first (newest) approved digest is selected.
 * There is no fallback: a bad override is an error, never a reason to pick another digest.
 */
public final class DigestSelector {
    /** The user_config key that forces one approved digest. */
    public static final String OVERRIDE = LauncherSettings.HASH_OVERRIDE;

    private DigestSelector() {}

    /**
     * @param approved     the approved list, newest first
     * @param hashOverride the raw {@code MPC_HASH_OVERRIDE} value, if the key is present (even empty)
     * @throws InputException at {@link LaunchStep#SELECTION}, input {@code MPC_HASH_OVERRIDE}, when the
     *                        override is malformed ({@code MPC_HASH_OVERRIDE invalid: <value>}) or not
     *                        in the approved list
     */
    public static Selection select(ApprovedHashes approved, Optional<String> hashOverride) throws InputException {
        return select(approved, hashOverride, OVERRIDE);
    }

    /**
     * As {@link #select(ApprovedHashes, Optional)}, naming the override {@code overrideName} in
     * reasons and errors ({@code mpc_hash_override} in TOML mode).
     */
    public static Selection select(ApprovedHashes approved, Optional<String> hashOverride, String overrideName)
            throws InputException {
        int of = approved.digests().size();
        if (hashOverride.isEmpty()) {
            ImageDigest newest = approved.digests().getFirst();
            String reason = switch (approved.source()) {
                case ApprovedHashes.FromFile f -> of == 1
                        ? "the only approved hash (" + f.describe() + ")"
                        : "newest of " + of + " approved hashes (" + f.describe() + ")";
                case ApprovedHashes.FromDefault d -> "DEFAULT_IMAGE_DIGEST (approved hashes file " + d.absentFile() + " absent)";
            };
            return new Selection(newest, reason, 1, of);
        }
        String raw = hashOverride.get();
        ImageDigest wanted = ImageDigest.parse(raw).orElseThrow(() -> new InputException(LaunchStep.SELECTION, overrideName,
                overrideName + " invalid: " + SafeText.excerpt(raw),
                "set " + overrideName + " to sha256:<64 lowercase hex> from the approved list, or remove it from user_config"));
        int index = approved.digests().indexOf(wanted);
        if (index < 0) {
            throw new InputException(LaunchStep.SELECTION, overrideName,
                    overrideName + " " + wanted + " is not among the " + of + " approved hashes (" + approved.source().describe() + ")",
                    "set " + overrideName + " to one of the approved hashes, or remove it from user_config");
        }
        String reason = overrideName + ", approved hash " + (index + 1) + " of " + of + " (" + approved.source().describe() + ")";
        return new Selection(wanted, reason, index + 1, of);
    }
}
