package org.dstack4j.attestation.dcap;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** Intel's QE identity (enclave identity v2, id {@code TD_QE} for TDX), parsed from the signed JSON. */
record QeIdentity(String id, int version, Instant issueDate, Instant nextUpdate, long tcbEvaluationDataNumber, byte[] miscselect,
        byte[] miscselectMask, byte[] attributes, byte[] attributesMask, byte[] mrSigner, int isvProdId,
        List<TcbInfo.SvnLevel> tcbLevels) {

    static QeIdentity parse(JsonNode n) throws CollateralFormatException {
        Json j = new Json("qe_identity", n);
        return new QeIdentity(j.str("id"), j.integer("version"), j.instant("issueDate"), j.instant("nextUpdate"),
                // Intel's v2 documents carry it; one without it orders before any that has it
                n.has("tcbEvaluationDataNumber") ? j.integer("tcbEvaluationDataNumber") : 0,
                j.hex("miscselect", 4), j.hex("miscselectMask", 4), j.hex("attributes", 16), j.hex("attributesMask", 16),
                j.hex("mrsigner", 32), j.integer("isvprodid"), TcbInfo.svnLevels(j));
    }
}
