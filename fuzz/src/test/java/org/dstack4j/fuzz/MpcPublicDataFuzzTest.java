package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.dstack4j.attestation.evidence.EvidenceFormatException;
import org.dstack4j.attestation.evidence.MpcPublicData;

/**
 * Fuzzes {@link MpcPublicData#parse} (a node's {@code /public_data}, fetched from anywhere): arbitrary
 * bytes either parse or fail with an {@link EvidenceFormatException} raised by a real check. The parser
 * turns a stray {@code RuntimeException} into {@code "unparseable public_data: …"} as a last resort;
 * reaching that safety net is a finding. A parsed document must parse again to an equal value.
 *
 * <p>Seed: the newest real MPC capture ({@code fixtures/mpc-attestation/2026-08-14}).
 */
class MpcPublicDataFuzzTest {

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"\"near_signer_public_key\"", "\"near_p2p_public_key\"", "\"near_responder_public_keys\"",
            "\"tee_participant_info\"", "\"Dstack\"", "\"quote\"", "\"collateral\"", "\"tcb_info\"", "\"event_log\"",
            "\"app_compose\"", "ed25519:", "\"imr\"", "\"event_payload\""})
    void parse(byte[] input) {
        MpcPublicData data;
        try {
            data = MpcPublicData.parse(input);
        } catch (EvidenceFormatException e) {
            // The safety net's message starts at the document root; field names elsewhere in a message
            // come from the input and may spell anything (a seed holds a field named like the net).
            if (e.getMessage().startsWith("$: unparseable public_data: ")) {
                throw new AssertionError("unchecked exception inside the evidence parser: " + e.getMessage(), e);
            }
            return;
        }
        assertThat(data.quote()).isNotNull();
        try {
            assertThat(MpcPublicData.parse(input)).isEqualTo(data);
        } catch (EvidenceFormatException e) {
            throw new AssertionError("the same bytes parsed once and then failed: " + e.getMessage(), e);
        }
    }
}
