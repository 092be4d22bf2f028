package org.dstack4j.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * What every member checks before it serves a certificate chain, in this order: (1) {@code chain} — the chain
 * validates (PKIX, at {@code now}) to one of the configured ACME roots; (2) {@code san} — the leaf names the domain
 * as a dNSName; (3) {@code public-key} — the leaf's key is the cluster's derived key for the domain. Revocation is
 * not checked (an ACME leaf lives days; OCSP would let the host's network decide). A certificate for another key —
 * one the host obtained for the same domain, say — fails (3) on every member.
 *
 * @param roots   the ACME CA roots (Let's Encrypt's ISRG roots in production; pebble's, from its management
 *                endpoint, in tests)
 * @param domain  the served domain
 * @param derived the cluster's public key for the domain ({@link DomainKeys#tls})
 */
public record CertificateCheck(List<X509Certificate> roots, Domain domain, PublicKey derived) {
    public CertificateCheck {
        roots = List.copyOf(roots);
        if (roots.isEmpty()) throw new IllegalArgumentException("no ACME root: give the CA's root certificate(s)");
    }

    /** The outcome: accepted, or refused by the named step. */
    public sealed interface Outcome permits Accepted, Refused {}

    /** Every step passed; {@code chain} is leaf first. */
    public record Accepted(List<X509Certificate> chain) implements Outcome {}

    /**
     * A step failed.
     *
     * @param step   {@code chain}, {@code san} or {@code public-key}
     * @param reason one line naming the certificate (subject, SHA-256 of the leaf) and what is wrong
     */
    public record Refused(String step, String reason) implements Outcome {}

    /** Checks {@code chain} (leaf first, the root optional) at {@code now}. */
    public Outcome check(List<X509Certificate> chain, Instant now) {
        if (chain.isEmpty()) return new Refused("chain", "the certificate file holds no certificate");
        // the served chain leaves the root out (clients hold it); a stored chain that includes it is fine
        List<X509Certificate> path = chain.stream().filter(c -> !roots.contains(c)).toList();
        if (path.isEmpty()) return new Refused("chain", "the certificate file holds only the ACME root, no leaf");
        X509Certificate leaf = path.getFirst();
        String who = "certificate " + leaf.getSubjectX500Principal().getName() + " (sha256 " + fingerprint(leaf) + ")";
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate r : roots) anchors.add(new TrustAnchor(r, null));
            PKIXParameters p = new PKIXParameters(anchors);
            p.setRevocationEnabled(false);
            p.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), p);
        } catch (CertPathValidatorException e) {
            return new Refused("chain", who + " does not chain to the configured ACME root at " + now + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            return new Refused("chain", who + " cannot be validated: " + e.getMessage());
        }
        if (!dnsNames(leaf).contains(domain.name())) {
            return new Refused("san", who + " does not name " + domain + " (its DNS names: " + dnsNames(leaf) + ")");
        }
        if (!MessageDigest.isEqual(leaf.getPublicKey().getEncoded(), derived.getEncoded())) {
            return new Refused("public-key", who + " is for another key, not the cluster's derived key for " + domain
                    + ": refusing to serve it");
        }
        return new Accepted(List.copyOf(path));
    }

    /** The leaf's dNSName SANs, lower-cased. */
    static List<String> dnsNames(X509Certificate leaf) {
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans == null) return List.of();
            return sans.stream().filter(s -> (Integer) s.get(0) == 2).map(s -> ((String) s.get(1)).toLowerCase(java.util.Locale.ROOT)).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    /** SHA-256 of the DER certificate, hex. */
    public static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
