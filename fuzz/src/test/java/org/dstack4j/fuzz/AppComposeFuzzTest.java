package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.compose.AppComposeDocument;
import org.dstack4j.measure.compose.MpcComposeRules;

/**
 * Fuzzes {@link AppComposeDocument#normalize} (an operator's app-compose in any JSON form): only
 * {@link MeasureInputException} may escape; a normalized document normalizes to the same bytes again, and the
 * MPC rules and mr_config_id can be computed on it (or refuse a malformed key_provider_id with the same
 * exception). Seeds: a real capture, its compact reordered form, escapes and floats.
 */
class AppComposeFuzzTest {
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"\"manifest_version\"", "\"key_provider_id\"", "\"key_provider\"", "\"docker_compose_file\"",
            "\"allowed_envs\"", "\\u0000", "1e-05", "[]", "{}"})
    void normalize(byte[] input) throws MeasureInputException {
        AppComposeDocument doc;
        try {
            doc = AppComposeDocument.normalize(input, "fuzz");
        } catch (MeasureInputException e) {
            return;
        }
        assertThat(AppComposeDocument.normalize(doc.bytes(), "again").bytes()).isEqualTo(doc.bytes());
        assertThat(doc.composeHash()).hasSize(32);
        MpcComposeRules.violations(doc.json());
        try {
            assertThat(doc.mrConfigId(null)).hasSize(48);
        } catch (MeasureInputException expected) {
            // key_provider or key_provider_id of the wrong form
        }
    }
}
