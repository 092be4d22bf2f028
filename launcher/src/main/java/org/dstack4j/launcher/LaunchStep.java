package org.dstack4j.launcher;

/**
 * The steps of one launch, in order (see docs/launcher.md "Flow"). Every failure names the step it
 * happened in, and the launch report records each step's duration.
 */
public enum LaunchStep {
    /** Step 1: DOCKER_CONTENT_TRUST, PLATFORM and, in TEE mode, the dstack socket. */
    ENVIRONMENT("environment"),
    /** Step 2: read and parse user_config. */
    USER_CONFIG("user-config"),
    /** Step 3: load the approved hashes file and select exactly one digest. */
    SELECTION("selection"),
    /** Step 4a: prove the registry serves the selected image (manifest and config digests). */
    REGISTRY("registry"),
    /** Step 4b: pull by manifest digest through the engine and check the local image ID. */
    PULL("pull"),
    /** Step 5: GetQuote, then EmitEvent mpc-image-digest (TEE only). */
    MEASURE("measure"),
    /** Step 6: remove an existing mpc-node, create and start the node container. */
    START("start");

    private final String label;

    LaunchStep(String label) {
        this.label = label;
    }

    /** Short lowercase name used in logs, errors and the JSON report. */
    public String label() {
        return label;
    }
}
