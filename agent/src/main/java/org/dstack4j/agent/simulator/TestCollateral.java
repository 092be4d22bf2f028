package org.dstack4j.agent.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.agent.pki.PckTcb;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.agent.pki.TestPki;
import org.dstack4j.agent.quote.QeReport;

/**
 * DCAP collateral for the simulator's TEST PKI, in the JSON form of dcap-qvl's
 * {@code QuoteCollateralV3} (hex strings for byte fields, PEM for chains, JSON text for TCB info
 * and QE identity), so a DCAP verifier pinned to the test root ({@link TestPki#rootCertificate()})
 * accepts the simulator's quotes as {@code UpToDate}. It is never valid under Intel's root.
 *
 * <p>Contents, all deterministic from the seed and the measurement profile:
 * <ul>
 *   <li>TCB info v3, id {@code TDX}: FMSPC and PCE-ID of the test PCK certificate, one
 *       {@code UpToDate} TCB level whose SGX components and PCESVN are the PCK certificate's and
 *       whose TDX components are the profile's {@code tee_tcb_svn}; {@code tdxModule} and one
 *       {@code tdxModuleIdentities} entry ({@code TDX_<tee_tcb_svn[1] as 2 hex digits>}, ISVSVN
 *       {@code tee_tcb_svn[0]}) from MRSIGNER_SEAM and SEAM attributes, as Intel's TDX TCB info has them;
 *       then an {@code OutOfDate} level with the same SGX components and PCESVN and all TDX components 0, so a
 *       TEST profile with a lower {@code tee_tcb_svn} (e.g. byte 2 lowered) verifies as {@code OutOfDate}, like a
 *       platform one TCB recovery behind;</li>
 *   <li>QE identity v2, id {@code TD_QE}: the simulated QE's MRSIGNER, ISVPRODID, MISCSELECT and
 *       attributes (under Intel's mask {@code FBFFFFFFFFFFFFFF0000000000000000}), one
 *       {@code UpToDate} level at the QE's ISVSVN;</li>
 *   <li>both signed (ECDSA P-256, hex {@code r ‖ s} over the exact JSON text) by the TEST ONLY TCB
 *       signing certificate, chains {@code [TCB signing, root]};</li>
 *   <li>empty root CA and PCK CRLs (hex DER), PCK CRL issuer chain {@code [platform CA, root]},
 *       and the PCK certificate chain the quotes carry.</li>
 * </ul>
 * Validity: {@code issueDate} {@value #ISSUE_DATE}, {@code nextUpdate} {@value #NEXT_UPDATE}
 * (fixed, so one seed always gives byte-identical collateral, and inside the certificates' validity).
 *
 * @param pckCrlIssuerChain     PEM, platform CA then root
 * @param rootCaCrl             hex DER
 * @param pckCrl                hex DER
 * @param tcbInfoIssuerChain    PEM, TCB signing certificate then root
 * @param tcbInfo               TCB info JSON text (the signed bytes)
 * @param tcbInfoSignature      hex r ‖ s, 64 bytes
 * @param qeIdentityIssuerChain PEM, TCB signing certificate then root
 * @param qeIdentity            QE identity JSON text (the signed bytes)
 * @param qeIdentitySignature   hex r ‖ s, 64 bytes
 * @param pckCertificateChain   PEM, PCK certificate, platform CA, root
 */
public record TestCollateral(String pckCrlIssuerChain, String rootCaCrl, String pckCrl, String tcbInfoIssuerChain,
        String tcbInfo, String tcbInfoSignature, String qeIdentityIssuerChain, String qeIdentity,
        String qeIdentitySignature, String pckCertificateChain) {

    /** {@code issueDate} of TCB info and QE identity (also every {@code tcbDate}). */
    public static final String ISSUE_DATE = "2025-01-01T00:00:00Z";
    /** {@code tcbDate} of the second, {@code OutOfDate} platform level. */
    public static final String OUT_OF_DATE_TCB_DATE = "2024-01-01T00:00:00Z";
    /** {@code nextUpdate} of TCB info and QE identity. */
    public static final String NEXT_UPDATE = "2049-12-31T00:00:00Z";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat UPPER = HexFormat.of().withUpperCase();
    private static final HexFormat LOWER = HexFormat.of();
    /** The attributes mask of Intel's real TD_QE identity (copied, not derived). */
    private static final byte[] QE_ATTRIBUTES_MASK = HexFormat.of().parseHex("fbffffffffffffff0000000000000000");

    /**
     * The collateral for the quotes of a simulator started with this seed and profile.
     *
     * @param seed    the simulator seed (non-empty)
     * @param profile the measurement profile
     * @throws IllegalArgumentException if the seed is empty
     */
    public static TestCollateral forSeed(String seed, MeasurementProfile profile) {
        SeedKdf kdf = new SeedKdf(seed);
        return of(TestPki.create(kdf, profile.pckTcb()), profile);
    }

    /** The collateral for an existing test PKI (the simulator's own). */
    static TestCollateral of(TestPki pki, MeasurementProfile profile) {
        String tcbInfo = tcbInfoJson(profile);
        String qeIdentity = qeIdentityJson(profile.qeReport());
        String signerChain = TestPki.pem(List.of(pki.tcbSigningCertificate(), pki.rootCertificate()));
        return new TestCollateral(
                TestPki.pem(List.of(pki.platformCaCertificate(), pki.rootCertificate())),
                LOWER.formatHex(pki.rootCaCrl()),
                LOWER.formatHex(pki.pckCrl()),
                signerChain,
                tcbInfo,
                LOWER.formatHex(pki.tcbSigningKey().signP1363(tcbInfo.getBytes(StandardCharsets.UTF_8))),
                signerChain,
                qeIdentity,
                LOWER.formatHex(pki.tcbSigningKey().signP1363(qeIdentity.getBytes(StandardCharsets.UTF_8))),
                new String(pki.pemChain(), StandardCharsets.UTF_8));
    }

    /**
     * The dcap-qvl {@code QuoteCollateralV3} JSON object (snake_case field names, as the
     * {@code collateral} of MPC {@code /public_data} but with hex strings for byte fields).
     */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("pck_crl_issuer_chain", pckCrlIssuerChain);
        o.put("root_ca_crl", rootCaCrl);
        o.put("pck_crl", pckCrl);
        o.put("tcb_info_issuer_chain", tcbInfoIssuerChain);
        o.put("tcb_info", tcbInfo);
        o.put("tcb_info_signature", tcbInfoSignature);
        o.put("qe_identity_issuer_chain", qeIdentityIssuerChain);
        o.put("qe_identity", qeIdentity);
        o.put("qe_identity_signature", qeIdentitySignature);
        o.put("pck_certificate_chain", pckCertificateChain);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing collateral failed", e);
        }
    }

    /** PEM of the test root CA, the trust anchor a verifier pins to accept this collateral. */
    public static String rootPem(String seed, MeasurementProfile profile) {
        X509Certificate root = TestPki.create(new SeedKdf(seed), profile.pckTcb()).rootCertificate();
        return TestPki.pem(List.of(root));
    }

    private static String tcbInfoJson(MeasurementProfile profile) {
        PckTcb pck = profile.pckTcb();
        byte[] teeTcbSvn = profile.teeTcbSvn();
        String seamSigner = UPPER.formatHex(profile.mrSignerSeam());
        String seamAttributes = UPPER.formatHex(profile.seamAttributes());
        ObjectNode info = JSON.createObjectNode();
        info.put("id", "TDX");
        info.put("version", 3);
        info.put("issueDate", ISSUE_DATE);
        info.put("nextUpdate", NEXT_UPDATE);
        info.put("fmspc", UPPER.formatHex(pck.fmspc()));
        info.put("pceId", UPPER.formatHex(pck.pceId()));
        info.put("tcbType", 0);
        info.put("tcbEvaluationDataNumber", 1);
        ObjectNode module = info.putObject("tdxModule");
        module.put("mrsigner", seamSigner);
        module.put("attributes", seamAttributes);
        module.put("attributesMask", "FFFFFFFFFFFFFFFF");
        ObjectNode identity = info.putArray("tdxModuleIdentities").addObject();
        identity.put("id", "TDX_" + UPPER.toHexDigits(teeTcbSvn[1]));
        identity.put("mrsigner", seamSigner);
        identity.put("attributes", seamAttributes);
        identity.put("attributesMask", "FFFFFFFFFFFFFFFF");
        upToDate(identity.putArray("tcbLevels").addObject(), "isvsvn", Byte.toUnsignedInt(teeTcbSvn[0]));
        ObjectNode level = info.putArray("tcbLevels").addObject();
        ObjectNode tcb = level.putObject("tcb");
        ArrayNode sgx = tcb.putArray("sgxtcbcomponents");
        pck.sgxCompSvns().forEach(svn -> sgx.addObject().put("svn", svn));
        tcb.put("pcesvn", pck.pceSvn());
        ArrayNode tdx = tcb.putArray("tdxtcbcomponents");
        for (byte b : teeTcbSvn) {
            tdx.addObject().put("svn", Byte.toUnsignedInt(b));
        }
        level.put("tcbDate", ISSUE_DATE);
        level.put("tcbStatus", "UpToDate");
        // a platform one TCB recovery behind (a profile with a lower tee_tcb_svn) matches this level, as in Intel's lists
        ObjectNode older = ((ArrayNode) info.get("tcbLevels")).addObject();
        ObjectNode olderTcb = older.putObject("tcb");
        olderTcb.set("sgxtcbcomponents", sgx.deepCopy());
        olderTcb.put("pcesvn", pck.pceSvn());
        ArrayNode zeros = olderTcb.putArray("tdxtcbcomponents");
        for (int i = 0; i < teeTcbSvn.length; i++) {
            zeros.addObject().put("svn", 0);
        }
        older.put("tcbDate", OUT_OF_DATE_TCB_DATE);
        older.put("tcbStatus", "OutOfDate");
        return compact(info);
    }

    private static String qeIdentityJson(QeReport qe) {
        byte[] attributes = qe.attributes();
        for (int i = 0; i < attributes.length; i++) {
            attributes[i] &= QE_ATTRIBUTES_MASK[i];
        }
        ObjectNode id = JSON.createObjectNode();
        id.put("id", "TD_QE");
        id.put("version", 2);
        id.put("issueDate", ISSUE_DATE);
        id.put("nextUpdate", NEXT_UPDATE);
        id.put("tcbEvaluationDataNumber", 1);
        id.put("miscselect", UPPER.formatHex(qe.miscSelect()));
        id.put("miscselectMask", "FFFFFFFF");
        id.put("attributes", UPPER.formatHex(attributes));
        id.put("attributesMask", UPPER.formatHex(QE_ATTRIBUTES_MASK));
        id.put("mrsigner", UPPER.formatHex(qe.mrSigner()));
        id.put("isvprodid", qe.isvProdId());
        upToDate(id.putArray("tcbLevels").addObject(), "isvsvn", qe.isvSvn());
        return compact(id);
    }

    private static void upToDate(ObjectNode level, String svnField, int svn) {
        level.putObject("tcb").put(svnField, svn);
        level.put("tcbDate", ISSUE_DATE);
        level.put("tcbStatus", "UpToDate");
    }

    private static String compact(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing collateral JSON failed", e);
        }
    }
}
