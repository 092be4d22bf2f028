package org.dstack4j.launcher.selection;

import java.util.Objects;

/**
 * The one image digest chosen for this launch, and why.
 *
 * @param digest   the selected image ID
 * @param reason   human-readable, e.g. {@code "newest of 3 approved hashes (from /mnt/shared/image-digest.bin)"}
 * @param position 1-based position of {@code digest} in the approved list (1 = newest)
 * @param of       size of the approved list
 */
public record Selection(ImageDigest digest, String reason, int position, int of) {
    public Selection {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(reason, "reason");
        if (of < 1 || position < 1 || position > of) throw new IllegalArgumentException("position must be in 1..of");
    }
}
