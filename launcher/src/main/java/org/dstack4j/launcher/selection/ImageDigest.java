package org.dstack4j.launcher.selection;

import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A sha256 content digest, {@code sha256:} + 64 lowercase hex characters (OCI image spec
 * "digests"). Used both for image IDs (config blob digests, what the approved list holds) and
 * manifest digests.
 *
 * @param hex the 64 lowercase hex characters, without the {@code sha256:} prefix
 */
public record ImageDigest(String hex) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public ImageDigest {
        if (hex == null || !HEX64.matcher(hex).matches()) {
            throw new IllegalArgumentException("not 64 lowercase hex characters");
        }
    }

    /** Parses {@code sha256:<64 lowercase hex>}; empty if the text is anything else. */
    public static Optional<ImageDigest> parse(String text) {
        if (text == null || !text.startsWith("sha256:")) {
            return Optional.empty();
        }
        String hex = text.substring("sha256:".length());
        return HEX64.matcher(hex).matches() ? Optional.of(new ImageDigest(hex)) : Optional.empty();
    }

    /** The digest of some bytes. */
    public static ImageDigest of(byte[] content) {
        try {
            var sha = java.security.MessageDigest.getInstance("SHA-256");
            return new ImageDigest(HexFormat.of().formatHex(sha.digest(content)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** The 64 hex characters, as emitted in the {@code mpc-image-digest} event and {@code MPC_IMAGE_HASH}. */
    public String bareHex() {
        return hex;
    }

    /** The 32 raw digest bytes. */
    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    /** {@code sha256:<hex>}. */
    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
