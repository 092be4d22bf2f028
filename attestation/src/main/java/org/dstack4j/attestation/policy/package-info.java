/**
 * The MPC application policy: what a verifier accepts on top of a DCAP-valid quote (allowed MPC image
 * digests, launcher compose hashes and dstack measurement sets), and {@link
 * org.dstack4j.attestation.policy.MpcAppVerifier}, which checks {@code /public_data} evidence against a
 * quote and a {@link org.dstack4j.attestation.policy.MpcPolicy}, one named check per rule of
 * docs/attestation.md "Application checks".
 */
package org.dstack4j.attestation.policy;
