package org.dstack4j.attestation.evidence;

import java.util.Objects;

/**
 * The two node keys an MPC quote's report data binds (report data version 1).
 *
 * @param signer {@code near_signer_public_key}: the key the node signs NEAR transactions with
 * @param p2p    {@code near_p2p_public_key}: the key of the node's TLS-authenticated P2P channel
 */
public record NodeKeys(NearPublicKey signer, NearPublicKey p2p) {
    public NodeKeys {
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(p2p, "p2p");
    }

    /**
     * Parses both keys from their {@code ed25519:<base58>} texts.
     *
     * @throws EvidenceFormatException naming {@code near_signer_public_key} or {@code near_p2p_public_key}
     */
    public static NodeKeys parse(String signer, String p2p) throws EvidenceFormatException {
        return new NodeKeys(NearPublicKey.parse(signer, "near_signer_public_key"),
                NearPublicKey.parse(p2p, "near_p2p_public_key"));
    }
}
