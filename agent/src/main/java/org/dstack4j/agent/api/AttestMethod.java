package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.attestation.VersionedAttestation;

/**
 * {@code Attest}: up to 64 bytes of report data (zero-padded) in, dstack's versioned attestation
 * document out (hex in {@code attestation}). The v0 surface answers in the SCALE form, as dstack
 * 0.5.11 does on TDX; v1 in the MessagePack form, as dstack 0.6 does, with an empty
 * {@code boottime_gpu_evidence} (no GPU).
 */
final class AttestMethod {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TeeBackend backend;

    AttestMethod(TeeBackend backend) {
        this.backend = backend;
    }

    ObjectNode call(Params p, VersionedAttestation.Form form, boolean v1) throws GuestApiException, TeeException {
        byte[] reportData = Arrays.copyOf(p.hex("report_data", 64), 64);
        if (v1) {
            p.bool("include_boottime_gpu_evidence", false); // read so a mistyped value is refused
        }
        TeeBackend.QuoteEvidence evidence = backend.quote(reportData);
        VersionedAttestation doc = new VersionedAttestation(evidence.quote(), evidence.eventLog(),
                VersionedAttestation.runtimeEventsOf(evidence.eventLog()), reportData, backend.platform().vmConfig());
        ObjectNode out = JSON.createObjectNode();
        out.put("attestation", Hex.encode(doc.encode(form)));
        if (v1) {
            out.putArray("boottime_gpu_evidence");
        }
        return out;
    }
}
