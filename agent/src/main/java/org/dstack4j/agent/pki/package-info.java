/**
 * Deterministic TEST ONLY PKI from a seed: SGX-like root, PCK platform CA and PCK certificate,
 * the attestation key, and the app CA for GetTlsKey.
 */
package org.dstack4j.agent.pki;
