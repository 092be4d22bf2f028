/**
 * dstack's versioned attestation document ({@code Attest}): the TDX quote, the event log, the
 * runtime events, the report data and the VM config in one binary value, in both wire forms
 * dstack's verifier reads (SCALE "V0", first byte {@code 0x00}; MessagePack "V1", a map).
 * {@link org.dstack4j.sdk.attestation.VersionedAttestation} encodes and decodes both.
 */
package org.dstack4j.sdk.attestation;
