package org.dstack4j.attestation.dcap;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.attestation.Check;

/**
 * Intel DCAP verification of TDX quotes, following dcap-qvl's {@code verify.rs} so that the status
 * matches {@code @phala/dcap-qvl}'s. Stateless and thread-safe; {@link #verify} never throws on bad
 * input — a malformed quote or collateral becomes a failed check and an invalid result.
 *
 * {@snippet :
 * Collateral collateral = CollateralJson.parse(json);             // or PccsClient.fetch(quote)
 * PreparedCollateral prepared = PreparedCollateral.of(collateral); // parse once, verify many
 * DcapVerification v = DcapVerifier.intel().verify(quote, prepared, Instant.now(), false);
 * if (v.valid() && v.status().equals("UpToDate")) { ... }
 * v.checks().forEach(c -> System.out.println((c.ok() ? "ok   " : "FAIL ") + c.name() + ": " + c.detail()));
 * }
 *
 * <p>Checks, in order (a check whose inputs failed is not run):
 * <ol>
 * <li>{@code quote-format}, {@code quote-header}: quote parses; TDX, v4/v5, ECDSA P-256, Intel QE vendor id</li>
 * <li>{@code root-ca-crl}: the pinned root is current and not revoked; the root CA CRL is signed by it and current</li>
 * <li>{@code pck-crl}: PCK CRL issuer chain verifies to the root; the PCK CRL is signed by it and current</li>
 * <li>{@code tcb-info-signature}, {@code tcb-info-validity}: issuer chain to the root (not revoked, certificates
 *     current), ECDSA signature over the exact {@code tcb_info} text; TDX v3; issueDate ≤ at ≤ nextUpdate</li>
 * <li>{@code qe-identity-signature}, {@code qe-identity-validity}: the same for the QE identity (TD_QE v2/v3)</li>
 * <li>{@code pck-certificate-chain}: the quote's PCK chain (certification data type 5 in type 6; else the
 *     collateral's) verifies to the root with the PCK CRL and root CA CRL</li>
 * <li>{@code pck-sgx-extension}: FMSPC, PCEID, PCESVN and the 16 SGX TCB component SVNs from OID 1.2.840.113741.1.13.1</li>
 * <li>{@code qe-report-signature}: the QE report is signed by the PCK key</li>
 * <li>{@code attestation-key-binding}: QE report_data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes</li>
 * <li>{@code qe-identity-match}: MRSIGNER, ISVPRODID, masked MISCSELECT/ATTRIBUTES, not debug; ISVSVN → QE TCB level</li>
 * <li>{@code quote-signature}: header‖TD report signed by the attestation key</li>
 * <li>{@code fmspc-pceid-match}: the PCK's FMSPC and PCEID are the TCB info's</li>
 * <li>{@code tdx-module}: MRSIGNERSEAM and SEAM attributes match {@code tdxModule} or the {@code TDX_nn} module
 *     identity ({@code nn} = tee_tcb_svn[1]); its TCB level from tee_tcb_svn[0]</li>
 * <li>{@code tcb-level}: first TCB level with PCESVN, SGX components ≤ the PCK's and TDX components ≤ tee_tcb_svn;
 *     converged with the TDX module's status</li>
 * <li>{@code tcb-status}: converged with the QE's status (Intel's rules); fails when {@code Revoked}</li>
 * <li>{@code td-attributes}: not debug (unless {@code allowDebug}), no reserved bits, SEPT_VE_DISABLE set</li>
 * </ol>
 */
public final class DcapVerifier {
    private static final DcapVerifier INTEL = new DcapVerifier(IntelRootCa.certificate());

    private final X509Certificate root;

    private DcapVerifier(X509Certificate root) {
        this.root = root;
    }

    /** A verifier trusting only the pinned Intel SGX Root CA ({@link IntelRootCa}, SHA-256 {@value IntelRootCa#SHA256_FINGERPRINT}). */
    public static DcapVerifier intel() {
        return INTEL;
    }

    /**
     * A verifier trusting {@code root} INSTEAD of Intel's — for test PKIs such as the agent simulator's
     * ({@code dstack4j verify --trust-test-root}). Never use it for production evidence.
     */
    public static DcapVerifier withTrustedRoot(X509Certificate root) {
        return new DcapVerifier(Objects.requireNonNull(root, "root"));
    }

    /** The trust anchor. */
    public X509Certificate trustedRoot() {
        return root;
    }

    /** Parses then verifies; see {@link #verify(byte[], PreparedCollateral, Instant, boolean)}. */
    public DcapVerification verify(byte[] quote, Collateral collateral, Instant at, boolean allowDebug) {
        if (collateral == null) return missing("collateral");
        return verify(quote, PreparedCollateral.of(collateral), at, allowDebug);
    }

    /**
     * Verifies a TDX quote against collateral at a given time.
     *
     * @param quote      raw quote bytes (TDX v4 or v5)
     * @param collateral the quote's collateral, parsed once
     * @param at         the time at which certificates, CRLs, TCB info and QE identity must be valid
     * @param allowDebug accept a TD with the DEBUG attribute (never for production)
     * @return the result; never null, never throws for any input
     */
    public DcapVerification verify(byte[] quote, PreparedCollateral collateral, Instant at, boolean allowDebug) {
        if (quote == null) return missing("quote");
        if (collateral == null) return missing("collateral");
        if (at == null) return missing("time");
        try {
            return new VerificationRun(root, quote.clone(), collateral, at, allowDebug).run();
        } catch (RuntimeException | StackOverflowError e) {
            return new DcapVerification(false, DcapVerification.UNKNOWN, List.of(),
                    List.of(Check.fail("internal-error", e.getClass().getSimpleName() + ": " + e.getMessage())), Optional.empty());
        }
    }

    private static DcapVerification missing(String what) {
        return new DcapVerification(false, DcapVerification.UNKNOWN, List.of(),
                List.of(Check.fail("input", what + " is missing")), Optional.empty());
    }
}
