package org.dstack4j.measure.image;

import java.util.List;

/**
 * The result of {@code image verify}.
 *
 * @param files        one line per measured file: its SHA-256 and whether it matches the release
 * @param osImageHash  os_image_hash computed from the files
 * @param expectedOsImageHash the release's
 * @param verity       the rootfs check
 */
public record ImageReport(List<FileCheck> files, String osImageHash, String expectedOsImageHash, VerityResult verity) {
    public ImageReport {
        files = List.copyOf(files);
    }

    /** One measured file. */
    public record FileCheck(String name, String sha256, String expected) {
        public boolean ok() {
            return sha256.equals(expected);
        }
    }

    /** Every file, os_image_hash and the rootfs match. */
    public boolean ok() {
        return files.stream().allMatch(FileCheck::ok) && osImageHash.equals(expectedOsImageHash)
                && verity instanceof VerityResult.Verified;
    }
}
