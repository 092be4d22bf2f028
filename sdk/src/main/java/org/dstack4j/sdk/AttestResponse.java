package org.dstack4j.sdk;

import java.util.Arrays;
import org.dstack4j.sdk.attestation.AttestationFormatException;
import org.dstack4j.sdk.attestation.VersionedAttestation;

/**
 * Answer of {@code Attest} (v0 and v1): dstack's versioned attestation document.
 *
 * @param attestation the encoded document (SCALE or MessagePack, see {@link VersionedAttestation})
 */
public record AttestResponse(byte[] attestation) {
    public AttestResponse {
        attestation = attestation.clone();
    }

    @Override
    public byte[] attestation() {
        return attestation.clone();
    }

    /**
     * The decoded document.
     *
     * @throws AttestationFormatException if the bytes are not a versioned attestation
     */
    public VersionedAttestation decode() throws AttestationFormatException {
        return VersionedAttestation.decode(attestation);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttestResponse r && Arrays.equals(r.attestation, attestation);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(attestation);
    }

    @Override
    public String toString() {
        return "AttestResponse[" + attestation.length + " bytes]";
    }
}
