/**
 * MPC attestation evidence: the JSON an MPC node serves at {@code GET /public_data} (its NEAR keys, TDX
 * quote, raw DCAP collateral and dstack {@code tcb_info}), parsed strictly into {@link
 * org.dstack4j.attestation.evidence.MpcPublicData}, plus the base58 NEAR key encoding. Parsing checks
 * shape only; {@code org.dstack4j.attestation.policy} decides what the evidence proves.
 */
package org.dstack4j.attestation.evidence;
