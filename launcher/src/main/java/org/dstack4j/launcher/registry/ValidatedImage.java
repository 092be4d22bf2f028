package org.dstack4j.launcher.registry;

import org.dstack4j.launcher.selection.ImageDigest;

/**
 * What the registry proved: under {@code tag}, it serves an image manifest with digest
 * {@code manifestDigest} whose {@code config.digest} is the selected image ID.
 *
 * @param reference      where it was found
 * @param tag            the first tag (in order) that led to the image
 * @param manifestDigest digest of the linux/amd64 image manifest (what the engine pulls)
 * @param imageId        the config digest, equal to the selected digest
 * @param mediaType      media type of the image manifest
 */
public record ValidatedImage(
        ImageReference reference, String tag, ImageDigest manifestDigest, ImageDigest imageId, String mediaType) {

    /** {@code registry/name@sha256:<manifest digest>}, what the engine pulls. */
    public String pullReference() {
        return reference.repository() + "@" + manifestDigest;
    }
}
