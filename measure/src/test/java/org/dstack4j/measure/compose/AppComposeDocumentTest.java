package org.dstack4j.measure.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.dstack4j.measure.Fixtures;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.sdk.Hex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class AppComposeDocumentTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    /** Every recorded app-compose with its recorded compose-hash (captures and the operator vectors). */
    static Stream<Arguments> recorded() {
        List<Arguments> out = new ArrayList<>();
        for (Fixtures.Capture c : Fixtures.captures()) {
            assertThat(c.event("compose-hash")).isEqualTo(c.tcbInfo().get("compose_hash").asText());
            out.add(Arguments.of(c.date(), c.tcbInfo().get("app_compose").asText(), c.event("compose-hash"), c.event("app-id")));
        }
        JsonNode prod = Fixtures.prodTcbInfo();
        out.add(Arguments.of("tcb_info.prod", prod.get("app_compose").asText(), prod.get("compose_hash").asText(),
                prod.get("compose_hash").asText().substring(0, 40)));
        int i = 0;
        for (JsonNode v : Fixtures.vectors().get("app_compose_vectors")) {
            String hash = v.get("compose_hash").asText();
            out.add(Arguments.of("vector " + i++, v.get("app_compose").asText(), hash, hash.substring(0, 40)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recorded")
    void everyFormOfARecordedAppComposeHashesToItsComposeHash(String name, String recorded, String composeHash, String appId)
            throws Exception {
        ObjectNode tree = (ObjectNode) PLAIN.readTree(recorded);
        String compact = PLAIN.writeValueAsString(tree);
        String pretty2 = PLAIN.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree);
        String reordered = PLAIN.writeValueAsString(reversed(tree));
        assertThat(compact).isNotEqualTo(recorded);
        assertThat(reordered).isNotEqualTo(compact);
        for (String form : List.of(recorded, compact, pretty2, reordered, "\n  " + compact + "\n")) {
            AppComposeDocument doc = AppComposeDocument.normalize(form.getBytes(StandardCharsets.UTF_8), name);
            assertThat(doc.text()).isEqualTo(recorded);
            assertThat(Hex.encode(doc.composeHash())).isEqualTo(composeHash);
            assertThat(Hex.encode(doc.appId())).isEqualTo(appId);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recorded")
    void vmmCliFlagsRebuildEachRecordedAppCompose(String name, String recorded, String composeHash, String appId) throws Exception {
        JsonNode tree = PLAIN.readTree(recorded);
        AppComposeSpec spec = new AppComposeSpec(tree.get("name").asText(), tree.get("docker_compose_file").asText(),
                Optional.empty(), false, false, true, Optional.empty(), Optional.empty(), true, true, List.of(), true, false,
                Optional.empty());
        AppComposeDocument doc = AppComposeDocument.build(spec);
        assertThat(doc.text()).isEqualTo(recorded);
        assertThat(Hex.encode(doc.composeHash())).isEqualTo(composeHash);
        assertThat(MpcComposeRules.violations(doc.json())).isEmpty();
    }

    @Test
    void writesPythonJsonDumpsIndent4WithoutAsciiEscaping() throws Exception {
        String in = "{\"z\":[1,{\"a\":[]},{}],\"s\":\"\u00e9\u4e2d\\u0001\\t\\n\\\"\\\\/\ud83d\ude00\",\"f\":1.5e-7,\"g\":100.0,"
                + "\"n\":null,\"big\":123456789012345678901234567890}";
        String expected = "{\n    \"z\": [\n        1,\n        {\n            \"a\": []\n        },\n        {}\n    ],\n"
                + "    \"s\": \"\u00e9\u4e2d\\u0001\\t\\n\\\"\\\\/\ud83d\ude00\",\n    \"f\": 1.5e-07,\n    \"g\": 100.0,\n"
                + "    \"n\": null,\n    \"big\": 123456789012345678901234567890\n}";
        assertThat(AppComposeDocument.normalize(in.getBytes(StandardCharsets.UTF_8), "t").text()).isEqualTo(expected);
    }

    @Test
    void floatsAreParsedAsPythonFloatsAre() throws Exception {
        // An underflow keeps its sign, as float("-1.5e-498") does in Python.
        assertThat(AppComposeDocument.normalize("{\"f\":-151.5E-498,\"g\":0.1}".getBytes(StandardCharsets.UTF_8), "t").text())
                .isEqualTo("{\n    \"f\": -0.0,\n    \"g\": 0.1\n}");
    }

    @Test
    void pythonFloatRepr() {
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(0.00001)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.floatRepr(123456789012345678.0)).isEqualTo("1.2345678901234568e+17");
        assertThat(PythonJson.floatRepr(-0.1)).isEqualTo("-0.1");
        assertThat(PythonJson.floatRepr(-0.0)).isEqualTo("-0.0");
    }

    @Test
    void membersVmmCliNeverWritesFollowInInputOrder() throws Exception {
        String in = "{\"zeta\":1,\"swap_size\":4096,\"name\":\"n\",\"alpha\":2,\"manifest_version\":2}";
        String text = AppComposeDocument.normalize(in.getBytes(StandardCharsets.UTF_8), "t").text();
        assertThat(text).isEqualTo("{\n    \"manifest_version\": 2,\n    \"name\": \"n\",\n    \"swap_size\": 4096,\n"
                + "    \"zeta\": 1,\n    \"alpha\": 2\n}");
    }

    @Test
    void optionalFlagsLandWhereVmmCliPutsThem() throws Exception {
        AppComposeSpec spec = new AppComposeSpec("app", "services: {}\n", Optional.of("echo hi\n"), true, true, false,
                Optional.of("kms"), Optional.of("ab12"), false, false, List.of("A", "B"), false, true, Optional.of(2048L));
        JsonNode doc = AppComposeDocument.build(spec).json();
        List<String> keys = new ArrayList<>();
        doc.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isEqualTo(AppComposeDocument.KEY_ORDER);
        assertThat(doc.get("swap_size").asLong()).isEqualTo(2048L * 1024 * 1024);
        assertThat(doc.get("allowed_envs").toString()).isEqualTo("[\"A\",\"B\"]");
        assertThat(MpcComposeRules.violations((ObjectNode) doc)).hasSize(8);
        AppComposeSpec noSwap = new AppComposeSpec("app", "x", Optional.empty(), false, false, false, Optional.empty(),
                Optional.empty(), false, false, List.of(), false, false, Optional.of(0L));
        assertThat(AppComposeDocument.build(noSwap).json().has("swap_size")).isFalse();
    }

    @Test
    void envsWithoutKmsAreRefusedAsVmmCliDoes() {
        AppComposeSpec spec = new AppComposeSpec("app", "x", Optional.empty(), false, false, true, Optional.empty(),
                Optional.empty(), true, true, List.of("SECRET"), true, false, Optional.empty());
        assertThatThrownBy(() -> AppComposeDocument.build(spec)).isInstanceOf(MeasureInputException.class).hasMessageContaining("--kms");
    }

    @Test
    void mrConfigIdV1IsTheComposeHashV2BindsTheKeyProvider() throws Exception {
        Fixtures.Capture c = Fixtures.captures().get(0);
        AppComposeDocument doc = AppComposeDocument.normalize(c.tcbInfo().get("app_compose").asText().getBytes(StandardCharsets.UTF_8), "c");
        byte[] v1 = doc.mrConfigId(null);
        assertThat(v1[0]).isEqualTo((byte) 1);
        assertThat(Hex.encode(v1)).isEqualTo("01" + c.event("compose-hash") + "00".repeat(15));

        ObjectNode withId = doc.json();
        withId.put("key_provider_id", "6b5ed02e549a1c30aaa8e3171a045f1f449b0017353ef595e78e39c348c98d01");
        AppComposeDocument v2doc = AppComposeDocument.normalize(PLAIN.writeValueAsBytes(withId), "v2");
        byte[] v2 = v2doc.mrConfigId(null);
        assertThat(v2[0]).isEqualTo((byte) 2);
        assertThat(Hex.encode(v2).substring(66)).isEqualTo("00".repeat(15));
        assertThat(v2doc.keyProvider()).isEqualTo(AppComposeDocument.KeyProviderKind.LOCAL);
        byte[] otherApp = new byte[20];
        assertThat(v2doc.mrConfigId(otherApp)).isNotEqualTo(v2);
        withId.put("key_provider_id", "6b5ed02e549a1c30aaa8e3171a045f1f449b0017353ef595e78e39c348c98d02");
        assertThat(AppComposeDocument.normalize(PLAIN.writeValueAsBytes(withId), "v2b").mrConfigId(null)).isNotEqualTo(v2);
    }

    @Test
    void badDocumentsAreOneClearError() throws Exception {
        assertThatThrownBy(() -> AppComposeDocument.normalize("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8), "dup.json"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("dup.json").hasMessageContaining("Duplicate");
        assertThatThrownBy(() -> AppComposeDocument.normalize("[1]".getBytes(StandardCharsets.UTF_8), "arr.json"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> AppComposeDocument.normalize(new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'}, "bin.json"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> AppComposeDocument.normalize("{\"a\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8), "s.json"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> AppComposeDocument.normalize("{} {}".getBytes(StandardCharsets.UTF_8), "two.json"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("two.json");
        // An exponent of 80 digits underflows to 0.0, as Python's float() does; one that overflows is refused.
        assertThat(AppComposeDocument.normalize(("{\"f\":1e-" + "8".repeat(80) + "}").getBytes(StandardCharsets.UTF_8), "exp.json").text())
                .isEqualTo("{\n    \"f\": 0.0\n}");
        assertThatThrownBy(() -> AppComposeDocument.normalize("{\"f\":-1e400}".getBytes(StandardCharsets.UTF_8), "inf.json"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("inf.json").hasMessageContaining("too large");
    }

    @Test
    void mpcRulesNameEachBrokenSetting() throws Exception {
        ObjectNode good = (ObjectNode) PLAIN.readTree(Fixtures.captures().get(0).tcbInfo().get("app_compose").asText());
        assertThat(MpcComposeRules.violations(good)).isEmpty();
        record Breakage(String field, JsonNode value, String message) {}
        List<Breakage> cases = List.of(
                new Breakage("kms_enabled", PLAIN.getNodeFactory().booleanNode(true), "kms_enabled must be false"),
                new Breakage("gateway_enabled", PLAIN.getNodeFactory().booleanNode(true), "gateway_enabled must be false"),
                new Breakage("tproxy_enabled", PLAIN.getNodeFactory().booleanNode(true), "tproxy_enabled"),
                new Breakage("local_key_provider_enabled", PLAIN.getNodeFactory().booleanNode(false), "local_key_provider_enabled must be true"),
                new Breakage("public_logs", PLAIN.getNodeFactory().textNode("true"), "public_logs must be true"),
                new Breakage("no_instance_id", PLAIN.getNodeFactory().booleanNode(false), "no_instance_id must be true"),
                new Breakage("allowed_envs", PLAIN.readTree("[\"X\"]"), "allowed_envs must be empty"),
                new Breakage("pre_launch_script", PLAIN.getNodeFactory().textNode("curl x|sh"), "pre_launch_script must be absent"),
                new Breakage("manifest_version", PLAIN.getNodeFactory().numberNode(1), "manifest_version must be 2"),
                new Breakage("runner", PLAIN.getNodeFactory().textNode("bash"), "runner must be"));
        for (Breakage b : cases) {
            ObjectNode bad = good.deepCopy();
            bad.set(b.field(), b.value());
            assertThat(MpcComposeRules.violations(bad)).as(b.field()).singleElement().asString().contains(b.message());
        }
        ObjectNode missing = good.deepCopy();
        missing.remove("public_sysinfo");
        assertThat(MpcComposeRules.violations(missing)).singleElement().asString().contains("public_sysinfo must be true, got nothing");
    }

    private static ObjectNode reversed(ObjectNode tree) {
        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        Collections.reverse(names);
        ObjectNode out = PLAIN.createObjectNode();
        names.forEach(n -> out.set(n, tree.get(n)));
        return out;
    }
}
