package org.dstack4j.launcher.registry;

import java.util.Objects;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * What the registry proved about the selected digest.
 *
 * <ul>
 *   <li>{@link DigestKind#MANIFEST}: {@code manifests/<selected>} is served and its bytes hash to
 *       the selected digest; {@code manifestDigest} is the selected digest (a manifest or an
 *       index; the engine resolves an index to linux/amd64) and {@code imageId} the config digest
 *       of its linux/amd64 image manifest, which the pulled image must have.</li>
 *   <li>{@link DigestKind#IMAGE_ID}: under {@code tag} the registry serves a linux/amd64 image
 *       manifest with digest {@code manifestDigest} whose {@code config.digest} is the selected
 *       digest ({@code imageId}).</li>
 * </ul>
 *
 * @param reference      where it was found
 * @param tag            the first tag (in order) that led to the image; empty for {@link DigestKind#MANIFEST}
 * @param manifestDigest the digest the engine pulls by ({@code name@manifestDigest})
 * @param imageId        the config digest (image ID) the pulled image must have
 * @param mediaType      media type of the manifest served under {@code manifestDigest}
 * @param kind           which kind of digest the selected one turned out to be
 */
public record ValidatedImage(
        ImageReference reference, String tag, ImageDigest manifestDigest, ImageDigest imageId, String mediaType,
        DigestKind kind) {

    public ValidatedImage {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(kind, "kind");
    }

    /** An image ID found under a tag ({@link DigestKind#IMAGE_ID}), the 2025 form. */
    public ValidatedImage(ImageReference reference, String tag, ImageDigest manifestDigest, ImageDigest imageId, String mediaType) {
        this(reference, tag, manifestDigest, imageId, mediaType, DigestKind.IMAGE_ID);
    }

    /** The digest the approved list named: the manifest digest or the image ID, by {@link #kind}. */
    public ImageDigest approvedDigest() {
        return kind == DigestKind.MANIFEST ? manifestDigest : imageId;
    }

    /** {@code registry/name@sha256:<manifest digest>}, what the engine pulls. */
    public String pullReference() {
        return reference.repository() + "@" + manifestDigest;
    }
}
