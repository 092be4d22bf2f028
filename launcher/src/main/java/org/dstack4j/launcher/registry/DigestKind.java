package org.dstack4j.launcher.registry;

/**
 * What an approved digest named, as the registry proved it. Content addressing keeps the two
 * apart: a manifest's bytes and an image config's bytes cannot hash to the same digest.
 */
public enum DigestKind {
    /**
     * The digest of a manifest or an index (today's MPC network, near/mpc PR #2785): the registry
     * serves {@code manifests/<digest>} and those bytes hash to it.
     */
    MANIFEST("manifest"),
    /**
     * The digest of the image config, i.e. the image ID (2025 seed): a tag's linux/amd64 manifest
     * has it as {@code config.digest}.
     */
    IMAGE_ID("image-id");

    private final String label;

    DigestKind(String label) {
        this.label = label;
    }

    /** {@code manifest} or {@code image-id}, as logs and the JSON report write it. */
    public String label() {
        return label;
    }
}
