package org.dstack4j.attestation.dcap;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.quote.CertificationData;
import org.dstack4j.attestation.quote.EnclaveReport;
import org.dstack4j.attestation.quote.QeReportCertificationData;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.QuoteHeader;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * One verification: runs the DCAP steps in dcap-qvl's order, records each as a {@link Check}, and keeps
 * the intermediate results later steps need. A step whose inputs failed is not run (and not listed).
 */
final class VerificationRun {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] INTEL_QE_VENDOR_ID = HEX.parseHex("939a7233f79c4ca9940a0db3957f0607");

    private static final java.util.Set<String> TRUSTED_IF_FAILED = java.util.Set.of("tcb-status", "td-attributes");

    private final X509Certificate root;
    private final byte[] quoteBytes;
    private final PreparedCollateral col;
    private final Instant at;
    private final boolean allowDebug;
    private final List<Check> checks = new ArrayList<>();

    private TdxQuote quote;
    private X509CRL rootCrl;
    private X509CRL pckCrl;
    private TcbInfo tcbInfo;
    private QeIdentity qeIdentity;
    private List<X509Certificate> pckPath;
    private PckExtension pckExt;
    private EnclaveReport qeReport;
    private TcbInfo.SvnLevel qeLevel;
    private Optional<TcbInfo.SvnLevel> moduleLevel = Optional.empty();
    private TcbStatus status;
    private List<String> advisories = List.of();

    VerificationRun(X509Certificate root, byte[] quoteBytes, PreparedCollateral col, Instant at, boolean allowDebug) {
        this.root = root;
        this.quoteBytes = quoteBytes;
        this.col = col;
        this.at = at;
        this.allowDebug = allowDebug;
    }

    private boolean pckFromQuote;

    private interface Step {
        String run() throws VerifyFailure, Exception;
    }

    private boolean step(String name, Step s) {
        try {
            checks.add(Check.pass(name, s.run()));
            return true;
        } catch (VerifyFailure f) {
            checks.add(Check.fail(name, f.getMessage()));
        } catch (Exception | StackOverflowError e) {
            // fail closed on anything a hostile input might provoke in a library
            checks.add(Check.fail(name, "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        return false;
    }

    DcapVerification run() {
        boolean quoteOk = step("quote-format", this::parseQuote) && step("quote-header", this::header);
        boolean rootOk = step("root-ca-crl", this::rootCaCrl);
        boolean pckCrlOk = rootOk && step("pck-crl", this::pckCrl);
        boolean tcbOk = rootOk && step("tcb-info-signature", this::tcbInfoSignature) && step("tcb-info-validity", this::tcbInfoValidity);
        boolean qeIdOk = rootOk && step("qe-identity-signature", this::qeIdentitySignature)
                && step("qe-identity-validity", this::qeIdentityValidity);
        boolean pckOk = quoteOk && pckCrlOk && step("pck-certificate-chain", this::pckChain);
        if (pckOk && pckFromQuote && col.collateral().pckCertificateChain().isPresent()) {
            // The quote's chain is the one verified; a different chain in the collateral means one was edited.
            step("collateral-pck-chain", this::collateralPckChain);
        }
        boolean extOk = pckOk && step("pck-sgx-extension", this::pckExtension);
        boolean qeSigOk = pckOk && step("qe-report-signature", this::qeReportSignature);
        boolean bindingOk = quoteOk && step("attestation-key-binding", this::attestationKeyBinding);
        boolean qeMatchOk = qeSigOk && qeIdOk && step("qe-identity-match", this::qeIdentityMatch);
        boolean quoteSigOk = quoteOk && step("quote-signature", this::quoteSignature);
        boolean fmspcOk = extOk && tcbOk && step("fmspc-pceid-match", this::fmspcMatch);
        boolean moduleOk = quoteOk && tcbOk && step("tdx-module", this::tdxModule);
        boolean levelOk = fmspcOk && moduleOk && step("tcb-level", this::tcbLevel);
        boolean statusOk = levelOk && qeMatchOk && step("tcb-status", this::tcbStatus);
        boolean attrsOk = quoteOk && step("td-attributes", this::tdAttributes);
        boolean all = checks.stream().allMatch(Check::ok);
        boolean valid = all && quoteOk && statusOk && attrsOk && bindingOk && quoteSigOk && qeSigOk;
        // a status computed from evidence that failed a signature, chain or freshness check means nothing: report it
        // only when everything but the status itself (Revoked) and the TD attributes held
        boolean trusted = status != null && checks.stream().allMatch(c -> c.ok() || TRUSTED_IF_FAILED.contains(c.name()));
        return new DcapVerification(valid, trusted ? status.name() : DcapVerification.UNKNOWN, trusted ? advisories : List.of(),
                checks, Optional.ofNullable(quote));
    }

    // --- quote ---

    private String parseQuote() throws VerifyFailure {
        try {
            quote = TdxQuote.parse(quoteBytes);
        } catch (QuoteFormatException e) {
            throw new VerifyFailure("quote does not parse: " + e.getMessage());
        }
        return "TDX quote v" + quote.version() + ", " + quoteBytes.length + " bytes";
    }

    private String header() throws VerifyFailure {
        QuoteHeader h = quote.header();
        if (h.teeType() != QuoteHeader.TEE_TYPE_TDX) throw new VerifyFailure("tee_type is not TDX (0x81)");
        if (h.version() != 4 && h.version() != 5) throw new VerifyFailure("TDX quotes must be version 4 or 5");
        if (h.attestationKeyType() != QuoteHeader.ECDSA_P256) throw new VerifyFailure("attestation key type must be 2 (ECDSA P-256)");
        if (!Arrays.equals(h.qeVendorId(), INTEL_QE_VENDOR_ID)) {
            throw new VerifyFailure("QE vendor id " + HEX.formatHex(h.qeVendorId()) + " is not Intel's " + HEX.formatHex(INTEL_QE_VENDOR_ID));
        }
        return "version " + h.version() + ", TDX, ECDSA P-256, Intel QE";
    }

    // --- collateral ---

    private String rootCaCrl() throws VerifyFailure {
        rootCrl = col.rootCaCrl.get();
        Chains.within("Intel root CA certificate", root.getNotBefore(), root.getNotAfter(), at);
        Chains.crlValid("root CA CRL", rootCrl, root, at, col.signatures);
        if (rootCrl.getRevokedCertificate(root.getSerialNumber()) != null) throw new VerifyFailure("the root CA is revoked by its own CRL");
        return "pinned root " + Pem.cn(root) + " (SHA-256 " + IntelRootCa.fingerprint(root) + ") not revoked; CRL "
                + rootCrl.getThisUpdate().toInstant() + " .. " + rootCrl.getNextUpdate().toInstant();
    }

    private String pckCrl() throws VerifyFailure {
        pckCrl = col.pckCrl.get();
        List<X509Certificate> path = Chains.verify("PCK CRL issuer chain", col.pckCrlIssuerChain.get(), root, at, List.of(rootCrl), col.signatures);
        Chains.crlValid("PCK CRL", pckCrl, path.getFirst(), at, col.signatures);
        return "signed by " + Pem.cn(path.getFirst()) + ", " + pckCrl.getThisUpdate().toInstant() + " .. "
                + pckCrl.getNextUpdate().toInstant() + ", " + count(pckCrl) + " revoked";
    }

    private static int count(X509CRL crl) {
        return crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
    }

    private String signedDocument(String what, Part<List<X509Certificate>> chain, String text, byte[] signature) throws VerifyFailure {
        List<X509Certificate> path = Chains.verify(what + " issuer chain", chain.get(), root, at, List.of(rootCrl), col.signatures);
        byte[] signed = text.getBytes(StandardCharsets.UTF_8);
        byte[] signedAndSignature = Arrays.copyOf(signed, signed.length + signature.length);
        System.arraycopy(signature, 0, signedAndSignature, signed.length, signature.length);
        if (!col.signatures.verify(signedAndSignature, path.getFirst().getPublicKey(),
                () -> Ecdsa.verify(path.getFirst().getPublicKey(), signed, signature))) {
            throw new VerifyFailure(what + " signature does not verify with " + Pem.cn(path.getFirst()) + "'s key over the exact JSON text");
        }
        return "signed by " + Pem.cn(path.getFirst()) + ", chain to the pinned root, not revoked";
    }

    private String tcbInfoSignature() throws VerifyFailure {
        return signedDocument("TCB info", col.tcbInfoIssuerChain, col.collateral().tcbInfo(), col.collateral().tcbInfoSignature());
    }

    private String tcbInfoValidity() throws VerifyFailure {
        tcbInfo = col.tcbInfo.get();
        if (!"TDX".equals(tcbInfo.id()) || tcbInfo.version() < 3) {
            throw new VerifyFailure("TCB info is " + tcbInfo.id() + " v" + tcbInfo.version() + ", a TDX quote needs TDX TCB info v3");
        }
        Chains.within("TCB info", tcbInfo.issueDate(), tcbInfo.nextUpdate(), at);
        return "TDX v" + tcbInfo.version() + ", evaluation data " + tcbInfo.tcbEvaluationDataNumber() + ", " + tcbInfo.issueDate()
                + " .. " + tcbInfo.nextUpdate();
    }

    private String qeIdentitySignature() throws VerifyFailure {
        return signedDocument("QE identity", col.qeIdentityIssuerChain, col.collateral().qeIdentity(),
                col.collateral().qeIdentitySignature());
    }

    private String qeIdentityValidity() throws VerifyFailure {
        qeIdentity = col.qeIdentity.get();
        if (!"TD_QE".equals(qeIdentity.id()) || (qeIdentity.version() != 2 && qeIdentity.version() != 3)) {
            throw new VerifyFailure("QE identity is " + qeIdentity.id() + " v" + qeIdentity.version() + ", a TDX quote needs TD_QE v2 or v3");
        }
        Chains.within("QE identity", qeIdentity.issueDate(), qeIdentity.nextUpdate(), at);
        return "TD_QE v" + qeIdentity.version() + ", " + qeIdentity.issueDate() + " .. " + qeIdentity.nextUpdate();
    }

    // --- PCK and QE ---

    private QeReportCertificationData qeData() throws VerifyFailure {
        return quote.signatureData().qeReportCertificationData().orElseThrow(() -> new VerifyFailure(
                "certification data type " + quote.signatureData().certificationData().type() + " is not 6 (QE report)"));
    }

    private String pckChain() throws Exception {
        CertificationData nested = qeData().certificationData();
        List<X509Certificate> chain;
        String source;
        if (nested.type() == CertificationData.PCK_CERT_CHAIN) {
            chain = quoteChain(nested);
            source = "quote";
            pckFromQuote = true;
        } else {
            chain = col.pckCertificateChain.get().orElseThrow(() -> new VerifyFailure("quote certification data type "
                    + nested.type() + " carries no PCK chain (type 5) and the collateral has no pck_certificate_chain"));
            source = "collateral";
        }
        pckPath = Chains.verify("PCK certificate chain", chain, root, at, List.of(rootCrl, pckCrl), col.signatures);
        return Pem.cn(pckPath.getFirst()) + " (from the " + source + ") via " + Pem.cn(pckPath.get(1))
                + " to the pinned root, not revoked";
    }

    /** The quote's PCK chain; a malformed one (the quote is untrusted input) is a failed check, not a crash. */
    private List<X509Certificate> quoteChain(CertificationData nested) throws VerifyFailure {
        try {
            return col.quoteChains.chain("quote PCK certificate chain", nested.pemChain().orElseThrow(
                    () -> new VerifyFailure("quote certification data type " + nested.type() + " carries no PEM chain")));
        } catch (CollateralFormatException | java.security.cert.CertificateException e) {
            throw new VerifyFailure("quote PCK certificate chain is not a PEM X.509 chain: " + e.getMessage());
        }
    }

    /** The collateral's pck_certificate_chain, when it has one, must be the quote's chain, certificate for certificate. */
    private String collateralPckChain() throws Exception {
        List<X509Certificate> fromCollateral = col.pckCertificateChain.get().orElseThrow();
        List<X509Certificate> fromQuote = quoteChain(qeData().certificationData());
        int n = Math.min(fromCollateral.size(), fromQuote.size());
        for (int i = 0; i < n; i++) {
            if (!Arrays.equals(fromCollateral.get(i).getEncoded(), fromQuote.get(i).getEncoded())) {
                throw new VerifyFailure("collateral pck_certificate_chain certificate " + i + " ("
                        + Pem.cn(fromCollateral.get(i)) + ") differs from the quote's");
            }
        }
        if (fromCollateral.size() != fromQuote.size()) {
            throw new VerifyFailure("collateral pck_certificate_chain has " + fromCollateral.size()
                    + " certificates, the quote's chain " + fromQuote.size());
        }
        return "collateral pck_certificate_chain equals the quote's chain (" + n + " certificates)";
    }

    private String pckExtension() throws VerifyFailure {
        pckExt = PckExtension.parse(pckPath.getFirst());
        return pckExt.describe() + ", SGX TCB components " + Arrays.toString(pckExt.cpuSvnComponents());
    }

    private String qeReportSignature() throws VerifyFailure {
        QeReportCertificationData qe = qeData();
        if (!Ecdsa.verify(pckPath.getFirst().getPublicKey(), qe.qeReport(), qe.qeReportSignature())) {
            throw new VerifyFailure("QE report signature does not verify with the PCK certificate's key");
        }
        qeReport = qe.qeReportBody();
        return "QE report signed by the PCK key";
    }

    private String attestationKeyBinding() throws VerifyFailure, NoSuchAlgorithmException {
        QeReportCertificationData qe = qeData();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(quote.signatureData().attestationKey());
        sha.update(qe.qeAuthData());
        byte[] expected = Arrays.copyOf(sha.digest(), 64);
        byte[] reportData = qe.qeReportBody().reportData();
        if (!MessageDigest.isEqual(Arrays.copyOf(reportData, 32), Arrays.copyOf(expected, 32))) {
            throw new VerifyFailure("QE report_data[0..32] is not SHA-256(attestation key ‖ QE auth data)");
        }
        if (!MessageDigest.isEqual(reportData, expected)) throw new VerifyFailure("QE report_data[32..64] is not zero");
        return "QE report_data = SHA-256(attestation key ‖ " + qe.qeAuthData().length + "-byte QE auth data) ‖ zeros";
    }

    private String qeIdentityMatch() throws VerifyFailure {
        EnclaveReport r = qeReport;
        if (!Arrays.equals(r.mrSigner(), qeIdentity.mrSigner())) {
            throw new VerifyFailure("QE MRSIGNER " + HEX.formatHex(r.mrSigner()) + " is not " + HEX.formatHex(qeIdentity.mrSigner()));
        }
        if ((r.attributes()[0] & 0x02) != 0) throw new VerifyFailure("the QE runs in debug mode");
        if (r.isvProdId() != qeIdentity.isvProdId()) {
            throw new VerifyFailure("QE ISVPRODID " + r.isvProdId() + " is not " + qeIdentity.isvProdId());
        }
        // dcap-qvl reads the identity's miscselect hex as little-endian bytes, like the report's u32
        byte[] misc = {(byte) r.miscSelect(), (byte) (r.miscSelect() >> 8), (byte) (r.miscSelect() >> 16), (byte) (r.miscSelect() >> 24)};
        masked("MISCSELECT", misc, qeIdentity.miscselect(), qeIdentity.miscselectMask());
        masked("ATTRIBUTES", r.attributes(), qeIdentity.attributes(), qeIdentity.attributesMask());
        qeLevel = qeIdentity.tcbLevels().stream().filter(l -> r.isvSvn() >= l.isvSvn()).findFirst()
                .orElseThrow(() -> new VerifyFailure("QE ISVSVN " + r.isvSvn() + " is below every QE identity TCB level"));
        return "MRSIGNER, ISVPRODID " + r.isvProdId() + ", MISCSELECT, ATTRIBUTES match; ISVSVN " + r.isvSvn() + " → QE "
                + qeLevel.status();
    }

    private static void masked(String what, byte[] actual, byte[] expected, byte[] mask) throws VerifyFailure {
        for (int i = 0; i < mask.length; i++) {
            if ((actual[i] & mask[i]) != (expected[i] & mask[i])) {
                throw new VerifyFailure("QE " + what + " " + HEX.formatHex(actual) + " does not match " + HEX.formatHex(expected)
                        + " under mask " + HEX.formatHex(mask));
            }
        }
    }

    private String quoteSignature() throws VerifyFailure {
        if (!Ecdsa.verifyRaw(quote.signatureData().attestationKey(), quote.signedData(), quote.signatureData().ecdsaSignature())) {
            throw new VerifyFailure("quote signature over header‖TD report does not verify with the attestation key");
        }
        return "header‖TD report (" + quote.signedData().length + " bytes) signed by the attestation key";
    }

    // --- TCB ---

    private String fmspcMatch() throws VerifyFailure {
        if (!Arrays.equals(pckExt.fmspc(), tcbInfo.fmspc())) {
            throw new VerifyFailure("PCK FMSPC " + HEX.formatHex(pckExt.fmspc()) + " is not the TCB info's " + HEX.formatHex(tcbInfo.fmspc()));
        }
        if (!Arrays.equals(pckExt.pceId(), tcbInfo.pceId())) {
            throw new VerifyFailure("PCK PCEID " + HEX.formatHex(pckExt.pceId()) + " is not the TCB info's " + HEX.formatHex(tcbInfo.pceId()));
        }
        return "FMSPC " + HEX.formatHex(tcbInfo.fmspc()) + ", PCEID " + HEX.formatHex(tcbInfo.pceId());
    }

    /** dcap-qvl's {@code match_tdx_module_identity}: TDX module signer/attributes, and its own TCB level for module versions > 0. */
    private String tdxModule() throws VerifyFailure {
        TdReport td = quote.tdReport();
        byte[] svn = td.teeTcbSvn();
        int isvSvn = svn[0] & 0xff;
        int version = svn[1] & 0xff;
        TcbInfo.TdxModule expected = tcbInfo.tdxModule().orElseThrow(() -> new VerifyFailure("TDX TCB info lacks tdxModule"));
        List<TcbInfo.SvnLevel> levels = null;
        String id = "tdxModule";
        if (version > 0 && !tcbInfo.tdxModuleIdentities().isEmpty()) {
            String wanted = String.format(Locale.ROOT, "TDX_%02X", version);
            TcbInfo.TdxModuleIdentity identity = tcbInfo.tdxModuleIdentities().stream().filter(m -> m.id().equalsIgnoreCase(wanted))
                    .findFirst().orElseThrow(() -> new VerifyFailure("TCB info has no TDX module identity " + wanted));
            expected = identity.module();
            levels = identity.levels();
            id = identity.id();
        }
        if (!Arrays.equals(td.mrSignerSeam(), expected.mrSigner())) {
            throw new VerifyFailure("MRSIGNERSEAM " + HEX.formatHex(td.mrSignerSeam()) + " is not " + id + "'s " + HEX.formatHex(expected.mrSigner()));
        }
        byte[] attrs = td.seamAttributes();
        for (int i = 0; i < 8; i++) {
            int mask = expected.attributesMask()[i];
            if ((attrs[i] & mask) != (expected.attributes()[i] & mask) || (attrs[i] & ~mask) != 0) {
                throw new VerifyFailure("SEAM attributes " + HEX.formatHex(attrs) + " do not match " + id);
            }
        }
        if (levels == null) return "TDX module signer and attributes match tdxModule (version 0, no module TCB level)";
        String moduleId = id;
        TcbInfo.SvnLevel level = levels.stream().filter(l -> isvSvn >= l.isvSvn()).findFirst()
                .orElseThrow(() -> new VerifyFailure("TDX module " + moduleId + " ISVSVN " + isvSvn + " is below every module TCB level"));
        moduleLevel = Optional.of(level);
        return id + " ISVSVN " + isvSvn + " → " + level.status();
    }

    /** dcap-qvl's {@code match_platform_tcb}: the first level the PCK's SVNs and the quote's TEE TCB SVN meet. */
    private String tcbLevel() throws VerifyFailure {
        byte[] teeTcbSvn = quote.tdReport().teeTcbSvn();
        int[] cpu = pckExt.cpuSvnComponents();
        for (TcbInfo.Level level : tcbInfo.tcbLevels()) {
            if (pckExt.pceSvn() < level.pceSvn()) continue;
            if (level.sgxComponents().length == 0) throw new VerifyFailure("a TCB level has no SGX components");
            if (below(cpu, level.sgxComponents())) continue;
            if (level.tdxComponents().length == 0) throw new VerifyFailure("a TCB level has no TDX components");
            int[] tee = new int[16];
            for (int i = 0; i < 16; i++) tee[i] = teeTcbSvn[i] & 0xff;
            if (below(tee, level.tdxComponents())) continue;
            TcbStatus platform = level.status();
            LinkedHashSet<String> ids = new LinkedHashSet<>(level.advisoryIds());
            if (moduleLevel.isPresent()) {
                platform = platform.convergeWith(moduleLevel.get().status());
                ids.addAll(moduleLevel.get().advisoryIds());
            }
            status = platform;
            advisories = List.copyOf(ids);
            return "level of " + level.tcbDate() + ": " + level.status() + (moduleLevel.isPresent() ? ", with TDX module → " + platform : "");
        }
        throw new VerifyFailure("no TCB level matches PCESVN " + pckExt.pceSvn() + ", SGX components " + Arrays.toString(cpu)
                + " and TEE TCB SVN " + HEX.formatHex(teeTcbSvn));
    }

    private static boolean below(int[] actual, int[] required) {
        for (int i = 0; i < Math.min(actual.length, required.length); i++) {
            if (actual[i] < required[i]) return true;
        }
        return false;
    }

    private String tcbStatus() throws VerifyFailure {
        TcbStatus platform = status;
        status = platform.convergeWith(qeLevel.status());
        LinkedHashSet<String> ids = new LinkedHashSet<>(advisories);
        ids.addAll(qeLevel.advisoryIds());
        advisories = List.copyOf(ids);
        String detail = status + " (platform " + platform + ", QE " + qeLevel.status() + ")"
                + (advisories.isEmpty() ? ", no advisories" : ", advisories " + String.join(" ", advisories));
        if (status == TcbStatus.Revoked) throw new VerifyFailure("TCB is revoked: " + detail);
        return detail;
    }

    /** dcap-qvl's {@code validate_attrs}: no debug (unless allowed), no reserved bits, SEPT_VE_DISABLE set; TD report 1.5 without a service TD. */
    private String tdAttributes() throws VerifyFailure {
        TdReport td = quote.tdReport();
        byte[] a = td.tdAttributes();
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (a[i] & 0xff);
        boolean debug = (v & 1) != 0;
        if (debug && !allowDebug) throw new VerifyFailure("TD is in debug mode (td_attributes bit 0): its memory is not confidential");
        if ((v & 0xfe) != 0) throw new VerifyFailure("reserved TUD bits 1..7 of td_attributes are set");
        if ((v & 0x0fff_ff00L) != 0 || (v & (1L << 29)) != 0 || (v & 0x7fff_ffff_0000_0000L) != 0) {
            throw new VerifyFailure("reserved bits of td_attributes " + HEX.formatHex(a) + " are set");
        }
        if ((v & (1L << 28)) == 0) throw new VerifyFailure("SEPT_VE_DISABLE (td_attributes bit 28) is not set");
        if (td.isV15() && !Arrays.equals(td.mrServiceTd(), new byte[48])) throw new VerifyFailure("MRSERVICETD is not zero");
        return HEX.formatHex(a) + (debug ? ": DEBUG TD, allowed by the caller" : ": not debug, SEPT_VE_DISABLE");
    }
}
