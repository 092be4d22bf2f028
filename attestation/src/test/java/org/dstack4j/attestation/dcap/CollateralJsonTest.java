package org.dstack4j.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CollateralJsonTest {
    private static final HexFormat HEX = HexFormat.of();

    private static ObjectNode hexForm() {
        return CollateralJson.toJsonNode(Fixtures.first().collateral());
    }

    private static ArrayNode numbers(byte[] b) {
        ArrayNode a = Fixtures.JSON.createArrayNode();
        for (byte x : b) a.add(x & 0xff);
        return a;
    }

    @Test
    void fixturesMixHexAndNumberArraysAndBothParseToTheSameShape() {
        for (Fixtures.Fixture f : Fixtures.all()) {
            Collateral c = f.collateral();
            assertThat(c.tcbInfoSignature()).hasSize(64);
            assertThat(c.qeIdentitySignature()).hasSize(64);
            assertThat(c.rootCaCrl()[0]).isEqualTo((byte) 0x30);
            assertThat(c.pckCrl()[0]).isEqualTo((byte) 0x30);
            assertThat(c.tcbInfo()).startsWith("{\"id\":\"TDX\"");
        }
        // the 2026-08-14 fixture has number arrays and a pck_certificate_chain
        Collateral last = Fixtures.all().getLast().collateral();
        assertThat(Fixtures.all().getLast().collateralJson().get("pck_crl").isArray()).isTrue();
        assertThat(last.pckCertificateChain()).isPresent();
        assertThat(Fixtures.first().collateral().pckCertificateChain()).isEmpty();
    }

    @Test
    void hexFormRoundTripsAndEqualsTheNumberArrayForm() throws Exception {
        Collateral original = Fixtures.all().getLast().collateral();
        String json = CollateralJson.toJson(original);
        assertThat(json).contains("\"root_ca_crl\":\"30820122").contains("\"tcb_info\":\"{\\\"id\\\":\\\"TDX\\\"");
        assertThat(CollateralJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(original);

        ObjectNode arrays = CollateralJson.toJsonNode(original);
        arrays.set("tcb_info_signature", numbers(original.tcbInfoSignature()));
        arrays.set("pck_crl", numbers(original.pckCrl()));
        arrays.put("qe_identity_signature", "0x" + HEX.formatHex(original.qeIdentitySignature()).toUpperCase());
        assertThat(CollateralJson.fromJson(arrays)).isEqualTo(original);
    }

    @Test
    void crlsMayBePem() throws Exception {
        Collateral c = Fixtures.first().collateral();
        String pem = "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder().encodeToString(c.rootCaCrl()) + "\n-----END X509 CRL-----\n";
        ObjectNode n = hexForm();
        n.put("root_ca_crl", pem);
        n.set("pck_crl", numbers(("-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder().encodeToString(c.pckCrl())
                + "\n-----END X509 CRL-----\n").getBytes(StandardCharsets.US_ASCII)));
        Collateral parsed = CollateralJson.fromJson(n);
        assertThat(parsed.rootCaCrl()).isEqualTo(c.rootCaCrl());
        assertThat(parsed.pckCrl()).isEqualTo(c.pckCrl());
    }

    private static void rejects(ObjectNode n, String field, String message) {
        assertThatThrownBy(() -> CollateralJson.fromJson(n)).isInstanceOfSatisfying(CollateralFormatException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(field).contains(message);
        });
    }

    @Test
    void errorsNameTheField() {
        ObjectNode n = hexForm();
        n.remove("qe_identity");
        rejects(n, "qe_identity", "missing");

        n = hexForm();
        n.put("tcb_info_signature", "abc");
        rejects(n, "tcb_info_signature", "odd length");

        n = hexForm();
        n.put("tcb_info_signature", "zz".repeat(64));
        rejects(n, "tcb_info_signature", "neither hex nor PEM");

        n = hexForm();
        n.put("qe_identity_signature", "ab".repeat(63));
        rejects(n, "qe_identity_signature", "64-byte");

        n = hexForm();
        n.set("pck_crl", Fixtures.JSON.createArrayNode().add(48).add(256));
        rejects(n, "pck_crl", "element 1");

        n = hexForm();
        n.put("root_ca_crl", "deadbeef");
        rejects(n, "root_ca_crl", "not a DER CRL");

        // a PEM block whose body is not DER (found by CollateralJsonFuzzTest): refused like hex that is not
        n = hexForm();
        n.put("root_ca_crl", "-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n");
        rejects(n, "root_ca_crl", "not a DER CRL");
        n = hexForm();
        n.put("pck_crl", "-----BEGIN X509 CRL-----\n\n-----END X509 CRL-----\n");
        rejects(n, "pck_crl", "not a DER CRL");

        n = hexForm();
        n.set("tcb_info", Fixtures.JSON.createObjectNode().put("id", "TDX"));
        rejects(n, "tcb_info", "must be a string");

        n = hexForm();
        n.put("pck_crl", 7);
        rejects(n, "pck_crl", "hex string or an array");
    }

    @Test
    void documentLevelErrors() {
        assertThatThrownBy(() -> CollateralJson.parse("[1,2]".getBytes())).isInstanceOf(CollateralFormatException.class)
                .hasMessageContaining("JSON object");
        assertThatThrownBy(() -> CollateralJson.parse("{".getBytes())).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> CollateralJson.parse(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> CollateralJson.parse(new byte[CollateralJson.MAX_BYTES + 1])).hasMessageContaining("limit");
    }

    @Test
    void invalidUtf8IsRejectedBeforeJacksonCanMisreadAFieldName() {
        byte[] json = {'{', '"', 't', 'c', 'b', '_', 'i', 'n', (byte) 0xFF, 'f', 'o', '"', ':', '1', '}'};
        assertThatThrownBy(() -> CollateralJson.parse(json)).isInstanceOfSatisfying(CollateralFormatException.class,
                e -> assertThat(e.getMessage()).contains("not valid UTF-8"));
    }
}
