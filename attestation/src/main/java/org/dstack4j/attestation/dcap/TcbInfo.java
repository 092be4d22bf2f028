package org.dstack4j.attestation.dcap;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Intel TDX TCB info (v3), parsed from the signed {@code tcbInfo} JSON. Only read after its signature
 * is checked. Lists are immutable; arrays are never handed out of the package.
 */
record TcbInfo(String id, int version, Instant issueDate, Instant nextUpdate, byte[] fmspc, byte[] pceId,
        long tcbEvaluationDataNumber, Optional<TdxModule> tdxModule, List<TdxModuleIdentity> tdxModuleIdentities,
        List<Level> tcbLevels) {

    /** The TDX module expectation: MRSIGNER_SEAM (48) and SEAM attributes (8) under a mask (8). */
    record TdxModule(byte[] mrSigner, byte[] attributes, byte[] attributesMask) {}

    /** A TDX module version ({@code TDX_01}, …) with its own ISVSVN levels. */
    record TdxModuleIdentity(String id, TdxModule module, List<SvnLevel> levels) {}

    /** A platform TCB level: 16 SGX component SVNs, PCESVN, 16 TDX component SVNs. */
    record Level(int[] sgxComponents, int pceSvn, int[] tdxComponents, String tcbDate, TcbStatus status,
            List<String> advisoryIds) {}

    /** A level keyed by one ISVSVN (QE identity, TDX module identity). */
    record SvnLevel(int isvSvn, TcbStatus status, List<String> advisoryIds) {}

    static TcbInfo parse(JsonNode n) throws CollateralFormatException {
        Json j = new Json("tcb_info", n);
        Optional<TdxModule> module = n.has("tdxModule") ? Optional.of(module(j.obj("tdxModule"))) : Optional.empty();
        List<TdxModuleIdentity> identities = n.has("tdxModuleIdentities")
                ? j.list("tdxModuleIdentities", m -> new TdxModuleIdentity(m.str("id"), module(m), svnLevels(m)))
                : List.of();
        return new TcbInfo(j.str("id"), j.integer("version"), j.instant("issueDate"), j.instant("nextUpdate"),
                j.hex("fmspc", 6), j.hex("pceId", 2), j.integer("tcbEvaluationDataNumber"), module, identities,
                j.list("tcbLevels", TcbInfo::level));
    }

    private static TdxModule module(Json m) throws CollateralFormatException {
        return new TdxModule(m.hex("mrsigner", 48), m.hex("attributes", 8), m.hex("attributesMask", 8));
    }

    private static Level level(Json l) throws CollateralFormatException {
        Json tcb = l.obj("tcb");
        int[] sgx = tcb.svns("sgxtcbcomponents");
        int[] tdx = tcb.has("tdxtcbcomponents") ? tcb.svns("tdxtcbcomponents") : new int[0];
        return new Level(sgx, tcb.integer("pcesvn"), tdx, l.str("tcbDate"), l.status("tcbStatus"), l.advisories());
    }

    static List<SvnLevel> svnLevels(Json m) throws CollateralFormatException {
        return m.list("tcbLevels", l -> new SvnLevel(l.obj("tcb").integer("isvsvn"), l.status("tcbStatus"), l.advisories()));
    }
}
