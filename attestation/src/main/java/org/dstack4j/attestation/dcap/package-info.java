/**
 * Intel DCAP verification of TDX quotes, following Intel's procedure as dcap-qvl implements it.
 *
 * <ul>
 * <li>{@link org.dstack4j.attestation.dcap.Collateral}: the collateral (CRLs, TCB info, QE identity, issuer chains);
 *     {@link org.dstack4j.attestation.dcap.CollateralJson} reads it from MPC {@code /public_data} or dcap-qvl JSON
 *     and writes dcap-qvl's hex form; {@link org.dstack4j.attestation.dcap.PccsClient} fetches it from a PCCS.</li>
 * <li>{@link org.dstack4j.attestation.dcap.DcapVerifier}: {@code intel()} pins the Intel SGX Root CA
 *     ({@link org.dstack4j.attestation.dcap.IntelRootCa}); {@code withTrustedRoot(cert)} trusts a test PKI instead.
 *     {@code verify(quote, collateral, at, allowDebug)} returns a
 *     {@link org.dstack4j.attestation.dcap.DcapVerification} with one named check per step, never throwing.</li>
 * <li>{@link org.dstack4j.attestation.dcap.PreparedCollateral}: collateral parsed once for repeated verification.</li>
 * </ul>
 */
package org.dstack4j.attestation.dcap;
