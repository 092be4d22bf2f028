package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;

/**
 * Fuzzes {@link CollateralJson#parse} (the {@code --collateral} file and the {@code collateral} of
 * {@code /public_data}): only {@link CollateralFormatException} may escape. A parsed collateral must
 * survive {@code toJson → parse} unchanged.
 *
 * <p>Seed: the collateral of the newest real MPC capture.
 */
class CollateralJsonFuzzTest {

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"\"pck_crl_issuer_chain\"", "\"root_ca_crl\"", "\"pck_crl\"", "\"tcb_info_issuer_chain\"",
            "\"tcb_info\"", "\"tcb_info_signature\"", "\"qe_identity_issuer_chain\"", "\"qe_identity\"",
            "\"qe_identity_signature\"", "\"pck_certificate_chain\"", "-----BEGIN CERTIFICATE-----"})
    void parse(byte[] input) {
        Collateral c;
        try {
            c = CollateralJson.parse(input);
        } catch (CollateralFormatException e) {
            return;
        }
        try {
            assertThat(CollateralJson.parse(CollateralJson.toJson(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .isEqualTo(c);
        } catch (CollateralFormatException e) {
            throw new AssertionError("a parsed collateral does not parse back: " + e.getMessage(), e);
        }
    }
}
