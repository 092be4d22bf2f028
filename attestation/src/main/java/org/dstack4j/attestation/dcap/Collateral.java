package org.dstack4j.attestation.dcap;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Intel DCAP quote collateral (dcap-qvl's {@code QuoteCollateralV3}): what a verifier needs besides the
 * quote. Read it with {@link CollateralJson#parse(byte[])}, fetch it with {@link PccsClient}. Byte arrays
 * are copied in and out.
 *
 * @param pckCrlIssuerChain     PEM chain of the PCK CRL issuer (PCK Platform/Processor CA, then root)
 * @param rootCaCrl             DER CRL of the Intel SGX Root CA (revokes intermediates and signing certs)
 * @param pckCrl                DER CRL of the PCK CA (revokes PCK certificates)
 * @param tcbInfoIssuerChain    PEM chain of the TCB signing certificate (signing cert, then root)
 * @param tcbInfo               the {@code tcbInfo} JSON object as signed: its EXACT text, the signature covers these bytes (UTF-8)
 * @param tcbInfoSignature      ECDSA P-256 signature r‖s (64 bytes) over {@code tcbInfo}
 * @param qeIdentityIssuerChain PEM chain of the QE identity signing certificate
 * @param qeIdentity            the {@code enclaveIdentity} JSON object as signed, exact text
 * @param qeIdentitySignature   ECDSA P-256 signature r‖s (64 bytes) over {@code qeIdentity}
 * @param pckCertificateChain   optional PEM PCK chain (leaf, CA, root); used only when the quote carries none
 */
public record Collateral(String pckCrlIssuerChain, byte[] rootCaCrl, byte[] pckCrl, String tcbInfoIssuerChain,
        String tcbInfo, byte[] tcbInfoSignature, String qeIdentityIssuerChain, String qeIdentity,
        byte[] qeIdentitySignature, Optional<String> pckCertificateChain) {

    public Collateral {
        Objects.requireNonNull(pckCrlIssuerChain, "pckCrlIssuerChain");
        Objects.requireNonNull(tcbInfoIssuerChain, "tcbInfoIssuerChain");
        Objects.requireNonNull(tcbInfo, "tcbInfo");
        Objects.requireNonNull(qeIdentityIssuerChain, "qeIdentityIssuerChain");
        Objects.requireNonNull(qeIdentity, "qeIdentity");
        rootCaCrl = rootCaCrl.clone();
        pckCrl = pckCrl.clone();
        tcbInfoSignature = tcbInfoSignature.clone();
        qeIdentitySignature = qeIdentitySignature.clone();
        pckCertificateChain = pckCertificateChain == null ? Optional.empty() : pckCertificateChain;
    }

    @Override
    public byte[] rootCaCrl() {
        return rootCaCrl.clone();
    }

    @Override
    public byte[] pckCrl() {
        return pckCrl.clone();
    }

    @Override
    public byte[] tcbInfoSignature() {
        return tcbInfoSignature.clone();
    }

    @Override
    public byte[] qeIdentitySignature() {
        return qeIdentitySignature.clone();
    }

    /** A copy with other TCB info text and signature (tests, re-signing tools). */
    public Collateral withTcbInfo(String json, byte[] signature) {
        return new Collateral(pckCrlIssuerChain, rootCaCrl, pckCrl, tcbInfoIssuerChain, json, signature,
                qeIdentityIssuerChain, qeIdentity, qeIdentitySignature, pckCertificateChain);
    }

    /** A copy with other QE identity text and signature. */
    public Collateral withQeIdentity(String json, byte[] signature) {
        return new Collateral(pckCrlIssuerChain, rootCaCrl, pckCrl, tcbInfoIssuerChain, tcbInfo, tcbInfoSignature,
                qeIdentityIssuerChain, json, signature, pckCertificateChain);
    }

    /** A copy with other CRLs (DER). */
    public Collateral withCrls(byte[] newRootCaCrl, byte[] newPckCrl) {
        return new Collateral(pckCrlIssuerChain, newRootCaCrl, newPckCrl, tcbInfoIssuerChain, tcbInfo,
                tcbInfoSignature, qeIdentityIssuerChain, qeIdentity, qeIdentitySignature, pckCertificateChain);
    }

    private Object[] parts() {
        return new Object[] {pckCrlIssuerChain, rootCaCrl, pckCrl, tcbInfoIssuerChain, tcbInfo, tcbInfoSignature,
            qeIdentityIssuerChain, qeIdentity, qeIdentitySignature, pckCertificateChain};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Collateral c && Arrays.deepEquals(parts(), c.parts());
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(parts());
    }

    @Override
    public String toString() {
        return "Collateral[tcbInfo=" + tcbInfo.length() + " chars, qeIdentity=" + qeIdentity.length()
                + " chars, rootCaCrl=" + rootCaCrl.length + " bytes, pckCrl=" + pckCrl.length + " bytes, pckCertificateChain="
                + (pckCertificateChain.isPresent() ? "present" : "absent") + "]";
    }
}
