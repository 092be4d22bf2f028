package org.dstack4j.attestation.dcap;

import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/**
 * Certificate chain and CRL checks against one pinned root: issuer/subject linkage, signatures,
 * CA constraints, validity windows at a given time, and revocation with fail-closed CRL lookup
 * (a certificate whose issuer has no CRL in the collateral is rejected).
 */
final class Chains {
    private Chains() {}

    /**
     * Verifies {@code chain} (leaf first; the root may be present or omitted) up to {@code root}.
     *
     * @return the path leaf … root
     */
    static List<X509Certificate> verify(String what, List<X509Certificate> chain, X509Certificate root, Instant at,
            List<X509CRL> crls, SignatureCache cache) throws VerifyFailure {
        if (chain.isEmpty()) throw new VerifyFailure(what + " is empty");
        List<X509Certificate> path = new ArrayList<>(chain);
        X509Certificate last = path.getLast();
        if (!sameCert(last, root)) {
            if (last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                throw new VerifyFailure(what + " ends in a root that is not the pinned trust anchor: " + Pem.cn(last)
                        + " (SHA-256 " + IntelRootCa.fingerprint(last) + ")");
            }
            path.add(root);
        }
        for (int i = 0; i < path.size() - 1; i++) {
            X509Certificate cert = path.get(i);
            X509Certificate issuer = path.get(i + 1);
            if (sameCert(cert, root)) throw new VerifyFailure(what + ": the trust anchor appears before the end of the chain");
            if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new VerifyFailure(what + ": " + Pem.cn(cert) + " is not issued by " + Pem.cn(issuer));
            }
            if (issuer.getBasicConstraints() < 0) throw new VerifyFailure(what + ": issuer " + Pem.cn(issuer) + " is not a CA");
            boolean[] ku = issuer.getKeyUsage();
            if (ku != null && (ku.length < 6 || !ku[5])) {
                throw new VerifyFailure(what + ": issuer " + Pem.cn(issuer) + " may not sign certificates");
            }
            signedBy(what + ": certificate " + Pem.cn(cert), cert, issuer, cache);
        }
        for (X509Certificate c : path) within(what + ": certificate " + Pem.cn(c), c.getNotBefore(), c.getNotAfter(), at);
        for (int i = 0; i < path.size() - 1; i++) notRevoked(what, path.get(i), path.get(i + 1), at, crls, cache);
        return List.copyOf(path);
    }

    /** Checks {@code cert} against the CRL its issuer published: CRL signed by {@code issuer}, current, not listing it. */
    static void notRevoked(String what, X509Certificate cert, X509Certificate issuer, Instant at, List<X509CRL> crls,
            SignatureCache cache) throws VerifyFailure {
        X509CRL crl = crls.stream().filter(c -> c.getIssuerX500Principal().equals(cert.getIssuerX500Principal()))
                .findFirst()
                .orElseThrow(() -> new VerifyFailure(what + ": no CRL from " + Pem.cn(issuer) + " in the collateral to check "
                        + Pem.cn(cert) + " for revocation"));
        crlValid(what + ": CRL of " + Pem.cn(issuer), crl, issuer, at, cache);
        if (crl.getRevokedCertificate(cert.getSerialNumber()) != null) {
            throw new VerifyFailure(what + ": certificate " + Pem.cn(cert) + " (serial " + cert.getSerialNumber().toString(16)
                    + ") is revoked by the CRL of " + Pem.cn(issuer));
        }
    }

    static void crlValid(String what, X509CRL crl, X509Certificate issuer, Instant at, SignatureCache cache) throws VerifyFailure {
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw new VerifyFailure(what + " is issued by " + crl.getIssuerX500Principal().getName() + ", not " + Pem.cn(issuer));
        }
        boolean signed;
        try {
            signed = cache.verify(crl.getEncoded(), issuer.getPublicKey(), () -> {
                try {
                    crl.verify(issuer.getPublicKey());
                    return true;
                } catch (GeneralSecurityException | RuntimeException e) {
                    return false;
                }
            });
        } catch (java.security.cert.CRLException e) {
            signed = false;
        }
        if (!signed) throw new VerifyFailure(what + ": signature does not verify with " + Pem.cn(issuer) + "'s key");
        if (crl.getNextUpdate() == null) throw new VerifyFailure(what + " has no nextUpdate");
        within(what, crl.getThisUpdate(), crl.getNextUpdate(), at);
    }

    static void signedBy(String what, X509Certificate cert, X509Certificate issuer, SignatureCache cache) throws VerifyFailure {
        boolean signed;
        try {
            signed = cache.verify(cert.getEncoded(), issuer.getPublicKey(), () -> {
                try {
                    cert.verify(issuer.getPublicKey());
                    return true;
                } catch (GeneralSecurityException | RuntimeException e) {
                    return false;
                }
            });
        } catch (java.security.cert.CertificateEncodingException e) {
            signed = false;
        }
        if (!signed) throw new VerifyFailure(what + ": signature does not verify with " + Pem.cn(issuer) + "'s key");
    }

    static void within(String what, Date from, Date to, Instant at) throws VerifyFailure {
        within(what, from.toInstant(), to.toInstant(), at);
    }

    static void within(String what, Instant from, Instant to, Instant at) throws VerifyFailure {
        if (at.isBefore(from)) throw new VerifyFailure(what + " is not yet valid at " + at + " (valid from " + from + ")");
        if (at.isAfter(to)) throw new VerifyFailure(what + " expired at " + to + " (checked at " + at + ")");
    }

    static boolean sameCert(X509Certificate a, X509Certificate b) {
        try {
            return Arrays.equals(a.getEncoded(), b.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            return false;
        }
    }
}
