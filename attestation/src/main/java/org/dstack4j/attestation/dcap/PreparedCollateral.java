package org.dstack4j.attestation.dcap;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link Collateral} with its certificates, CRLs and JSON documents parsed once, so repeated
 * {@link DcapVerifier#verify(byte[], PreparedCollateral, java.time.Instant, boolean)} calls (many quotes
 * from one platform, benchmarks) skip the parsing. Parsing never throws: a malformed field is kept as
 * its error and reported as a failed check when verifying. Immutable and thread-safe.
 */
public final class PreparedCollateral {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Collateral collateral;
    final Part<List<X509Certificate>> pckCrlIssuerChain;
    final Part<List<X509Certificate>> tcbInfoIssuerChain;
    final Part<List<X509Certificate>> qeIdentityIssuerChain;
    final Part<Optional<List<X509Certificate>>> pckCertificateChain;
    final Part<X509CRL> rootCaCrl;
    final Part<X509CRL> pckCrl;
    final Part<TcbInfo> tcbInfo;
    final Part<QeIdentity> qeIdentity;
    /** Signature results of this collateral's CRLs, chains and documents (and of recent PCK chains). */
    final SignatureCache signatures = new SignatureCache();
    /** Parsed PCK chains of the quotes verified with this collateral (one platform's quotes share one). */
    final ChainCache quoteChains = new ChainCache();

    private PreparedCollateral(Collateral c) {
        this.collateral = c;
        pckCrlIssuerChain = Part.of("pck_crl_issuer_chain", () -> Pem.chain("pck_crl_issuer_chain", c.pckCrlIssuerChain()));
        tcbInfoIssuerChain = Part.of("tcb_info_issuer_chain", () -> Pem.chain("tcb_info_issuer_chain", c.tcbInfoIssuerChain()));
        qeIdentityIssuerChain = Part.of("qe_identity_issuer_chain", () -> Pem.chain("qe_identity_issuer_chain", c.qeIdentityIssuerChain()));
        pckCertificateChain = Part.of("pck_certificate_chain", () -> c.pckCertificateChain().isEmpty()
                ? Optional.empty()
                : Optional.of(Pem.chain("pck_certificate_chain", c.pckCertificateChain().get())));
        rootCaCrl = Part.of("root_ca_crl", () -> Pem.crl(c.rootCaCrl()));
        pckCrl = Part.of("pck_crl", () -> Pem.crl(c.pckCrl()));
        tcbInfo = Part.of("tcb_info", () -> TcbInfo.parse(JSON.readTree(c.tcbInfo())));
        qeIdentity = Part.of("qe_identity", () -> QeIdentity.parse(JSON.readTree(c.qeIdentity())));
    }

    /** Parses {@code collateral}; never throws on malformed content. */
    public static PreparedCollateral of(Collateral collateral) {
        return new PreparedCollateral(Objects.requireNonNull(collateral, "collateral"));
    }

    /**
     * The issue of the TCB info and QE identity, or empty when either does not parse. Unverified: trust it only after a
     * verification with this collateral passed {@code tcb-info-signature}, {@code tcb-info-validity},
     * {@code qe-identity-signature} and {@code qe-identity-validity}.
     */
    public Optional<CollateralIssue> issue() {
        if (!(tcbInfo instanceof Part.Ok<TcbInfo> t) || !(qeIdentity instanceof Part.Ok<QeIdentity> q)) return Optional.empty();
        return Optional.of(new CollateralIssue(java.util.HexFormat.of().withUpperCase().formatHex(t.value().fmspc()),
                new CollateralIssue.Issue(t.value().tcbEvaluationDataNumber(), t.value().issueDate()),
                new CollateralIssue.Issue(q.value().tcbEvaluationDataNumber(), q.value().issueDate())));
    }

    /** The collateral as given. */
    public Collateral collateral() {
        return collateral;
    }
}
