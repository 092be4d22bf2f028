package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MPC {@code /public_data} has written the collateral's byte fields (CRLs, signatures) as hex strings (the
 * 2025 and early-2026 captures) and as integer arrays (the 2026-08-14 capture). Each real capture verifies
 * in the form it was recorded in and, converted, in the other form.
 */
class CollateralFormsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Map<String, String> RECORDED_FORM = Map.of(
            "2025-11-21", "hex strings", "2026-03-23", "hex strings", "2026-08-14", "integer arrays");

    static List<Fixtures.Fixture> fixtures() {
        return Fixtures.all();
    }

    /** The same collateral with every byte field in the other form, converted independently of CollateralJson. */
    private static ObjectNode otherForm(JsonNode collateral) {
        ObjectNode out = collateral.deepCopy();
        for (String f : CollateralJson.BYTE_FIELDS) {
            JsonNode v = collateral.get(f);
            if (v.isTextual()) {
                ArrayNode arr = out.putArray(f);
                for (byte b : HEX.parseHex(v.textValue())) arr.add(b & 0xff);
            } else {
                byte[] b = new byte[v.size()];
                for (int i = 0; i < b.length; i++) b[i] = (byte) v.get(i).intValue();
                out.put(f, HEX.formatHex(b));
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void eachCaptureVerifiesInItsRecordedFormAndInTheOther(Fixtures.Fixture f) throws Exception {
        JsonNode recorded = f.collateralJson();
        String form = CollateralJson.byteFieldForm(recorded);
        assertThat(form).isEqualTo(RECORDED_FORM.get(f.name()));

        ObjectNode converted = otherForm(recorded);
        assertThat(CollateralJson.byteFieldForm(converted)).isEqualTo(form.equals("hex strings") ? "integer arrays" : "hex strings");
        Collateral a = CollateralJson.fromJson(recorded);
        Collateral b = CollateralJson.fromJson(converted);
        assertThat(b).isEqualTo(a);

        for (JsonNode c : List.of(recorded, converted)) {
            DcapVerification v = DcapVerifier.intel().verify(f.quote(), CollateralJson.fromJson(c), f.verifyAt(), false);
            assertThat(v.firstFailure()).as("%s in form %s", f, CollateralJson.byteFieldForm(c)).isEmpty();
            assertThat(v.valid()).isTrue();
            assertThat(v.status()).isEqualTo("UpToDate");
        }
    }

    @Test
    void mixedAndMalformedFormsAreNamed() {
        ObjectNode c = Fixtures.all().getLast().collateralJson().deepCopy();
        assertThat(CollateralJson.byteFieldForm(c)).isEqualTo("integer arrays");
        c.put("pck_crl", "30");
        assertThat(CollateralJson.byteFieldForm(c)).isEqualTo("mixed");
        c.put("pck_crl", 5);
        assertThat(CollateralJson.byteFieldForm(c)).isEqualTo("unknown");
        c.remove("pck_crl");
        assertThat(CollateralJson.byteFieldForm(c)).isEqualTo("unknown");
        assertThat(CollateralJson.byteFieldForm(null)).isEqualTo("unknown");
    }
}
