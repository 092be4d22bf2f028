package org.dstack4j.launcher.registry;

import org.dstack4j.launcher.selection.ImageDigest;

/**
 * A manifest whose bytes were hashed locally and checked against the digest requested and the
 * {@code Docker-Content-Digest} header.
 *
 * @param manifest the parsed manifest
 * @param digest   sha256 of the exact bytes received
 * @param size     number of bytes received
 */
record FetchedManifest(Manifest manifest, ImageDigest digest, long size) {
}
