package org.dstack4j.attestation.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MpcPublicDataTest {
    static List<MpcFixtures.Fixture> fixtures() {
        return MpcFixtures.all();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void parsesEveryFieldOfTheRealEvidence(MpcFixtures.Fixture f) throws Exception {
        JsonNode root = f.tree();
        JsonNode tcb = f.tcbInfo();
        MpcPublicData d = f.parse();

        assertThat(d.keys()).isPresent();
        assertThat(d.keys().get().signer().toString()).isEqualTo(root.get("near_signer_public_key").asText());
        assertThat(d.keys().get().p2p().toString()).isEqualTo(root.get("near_p2p_public_key").asText());
        List<String> responders = new ArrayList<>();
        root.get("near_responder_public_keys").forEach(n -> responders.add(n.asText()));
        assertThat(d.responderPublicKeys()).extracting(NearPublicKey::toString).containsExactlyElementsOf(responders);

        assertThat(d.quote()).isEqualTo(MpcFixtures.quoteOf(f.dstack())).hasSize(f.dstack().get("quote").size());
        assertThat(d.collateral()).contains(f.dstack().get("collateral"));

        var t = d.tcbInfo().orElseThrow();
        for (String field : List.of("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "os_image_hash", "compose_hash", "device_id")) {
            String got = switch (field) {
                case "mrtd" -> t.mrtd();
                case "rtmr0" -> t.rtmr0();
                case "rtmr1" -> t.rtmr1();
                case "rtmr2" -> t.rtmr2();
                case "rtmr3" -> t.rtmr3();
                case "os_image_hash" -> t.osImageHash();
                case "compose_hash" -> t.composeHash();
                default -> t.deviceId();
            };
            assertThat(got).as(field).isEqualTo(tcb.get(field).asText());
        }
        // the app-compose text must survive byte for byte: its SHA-256 is measured
        assertThat(d.appCompose()).contains(tcb.get("app_compose").textValue());
        assertThat(t.appCompose()).isEqualTo(tcb.get("app_compose").textValue());
        assertThat(d.eventLog().entries()).hasSize(tcb.get("event_log").size());
        JsonNode last = tcb.get("event_log").get(tcb.get("event_log").size() - 1);
        EventLogEntry e = d.eventLog().entries().getLast();
        assertThat(e.event()).isEqualTo(last.get("event").asText());
        assertThat(e.eventPayload()).isEqualTo(last.get("event_payload").asText());
        assertThat(e.digest()).isEqualTo(last.get("digest").asText());
        assertThat(d.eventLog().entries()).isEqualTo(t.eventLog());
    }

    @Test
    void newestFixtureCarriesCollateralByteFieldsAsNumberArraysKeptRaw() throws Exception {
        MpcPublicData d = MpcFixtures.newest().parse();
        JsonNode c = d.collateral().orElseThrow();
        assertThat(c.get("root_ca_crl").isArray()).isTrue();
        assertThat(c.get("tcb_info").isTextual()).isTrue();
        // deep-copied out: mutating the copy does not change the evidence
        ((ObjectNode) c).remove("tcb_info");
        assertThat(d.collateral().orElseThrow().has("tcb_info")).isTrue();
        byte[] q = d.quote();
        q[0] ^= 1;
        assertThat(d.quote()[0]).isNotEqualTo(q[0]);
    }

    @Test
    void readsAFileWithASizeCap(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("public_data.json");
        Files.write(ok, MpcFixtures.newest().json());
        assertThat(MpcPublicData.read(ok)).isEqualTo(MpcFixtures.newest().parse());
        Path big = dir.resolve("big.json");
        Files.write(big, new byte[MpcPublicData.MAX_JSON_BYTES + 1]);
        assertThatThrownBy(() -> MpcPublicData.read(big)).isInstanceOf(EvidenceFormatException.class)
                .hasMessageContaining("larger than");
    }

    static Stream<String> requiredFields() {
        return Stream.of("near_signer_public_key", "near_p2p_public_key", "near_responder_public_keys", "tee_participant_info",
                "tee_participant_info.Dstack", "tee_participant_info.Dstack.quote", "tee_participant_info.Dstack.collateral",
                "tee_participant_info.Dstack.tcb_info", "tee_participant_info.Dstack.tcb_info.mrtd",
                "tee_participant_info.Dstack.tcb_info.rtmr0", "tee_participant_info.Dstack.tcb_info.rtmr1",
                "tee_participant_info.Dstack.tcb_info.rtmr2", "tee_participant_info.Dstack.tcb_info.rtmr3",
                "tee_participant_info.Dstack.tcb_info.os_image_hash", "tee_participant_info.Dstack.tcb_info.compose_hash",
                "tee_participant_info.Dstack.tcb_info.device_id", "tee_participant_info.Dstack.tcb_info.app_compose",
                "tee_participant_info.Dstack.tcb_info.event_log");
    }

    @ParameterizedTest
    @MethodSource("requiredFields")
    void eachMissingRequiredFieldIsNamed(String path) {
        ObjectNode tree = MpcFixtures.newest().tree();
        int dot = path.lastIndexOf('.');
        JsonNode parent = dot < 0 ? tree : tree.at("/" + path.substring(0, dot).replace('.', '/'));
        ((ObjectNode) parent).remove(path.substring(dot + 1));
        assertThatThrownBy(() -> MpcPublicData.parse(MpcFixtures.bytes(tree)))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> assertThat(e.field()).isEqualTo(path))
                .hasMessageStartingWith(path + ": ");
    }

    static Stream<Arguments> malformed() {
        String d = "tee_participant_info.Dstack";
        return Stream.of(
                bad("quote byte 256", t -> quote(t).set(7, 256), d + ".quote[7]"),
                bad("quote byte -1", t -> quote(t).set(0, -1), d + ".quote[0]"),
                bad("quote byte 1.5", t -> quote(t).set(3, 1.5), d + ".quote[3]"),
                bad("quote byte string", t -> quote(t).set(9, "a"), d + ".quote[9]"),
                bad("quote byte null", t -> quote(t).setNull(2), d + ".quote[2]"),
                bad("quote empty", t -> quote(t).removeAll(), d + ".quote"),
                bad("quote as hex string", t -> dstack(t).put("quote", "0400"), d + ".quote"),
                bad("collateral a string", t -> dstack(t).put("collateral", "{}"), d + ".collateral"),
                bad("rtmr3 short", t -> tcb(t).put("rtmr3", "00"), d + ".tcb_info.rtmr3"),
                bad("mrtd not hex", t -> tcb(t).put("mrtd", "z".repeat(96)), d + ".tcb_info.mrtd"),
                bad("compose_hash empty", t -> tcb(t).put("compose_hash", ""), d + ".tcb_info.compose_hash"),
                bad("app_compose an object", t -> tcb(t).putObject("app_compose"), d + ".tcb_info.app_compose"),
                bad("event_log a string", t -> tcb(t).put("event_log", "[]"), d + ".tcb_info.event_log"),
                bad("event_log entry without imr", t -> ((ObjectNode) tcb(t).get("event_log").get(3)).remove("imr"),
                        d + ".tcb_info.event_log"),
                bad("event_log digest short", t -> ((ObjectNode) tcb(t).get("event_log").get(3)).put("digest", "ab"),
                        d + ".tcb_info.event_log"),
                bad("signer key secp256k1", t -> t.put("near_signer_public_key", "secp256k1:abc"), "near_signer_public_key"),
                bad("p2p key bad base58", t -> t.put("near_p2p_public_key", "ed25519:0000"), "near_p2p_public_key"),
                bad("responder key a number", t -> ((ArrayNode) t.get("near_responder_public_keys")).insert(0, 5),
                        "near_responder_public_keys[0]"),
                bad("Local attestation", t -> {
                    ObjectNode tee = (ObjectNode) t.get("tee_participant_info");
                    tee.removeAll();
                    tee.putObject("Local");
                }, d),
                bad("tcb_info an array", t -> dstack(t).putArray("tcb_info"), d + ".tcb_info"));
    }

    private static Arguments bad(String what, Consumer<ObjectNode> edit, String field) {
        return Arguments.of(what, edit, field);
    }

    private static ObjectNode dstack(ObjectNode t) {
        return (ObjectNode) t.at("/tee_participant_info/Dstack");
    }

    private static ObjectNode tcb(ObjectNode t) {
        return (ObjectNode) dstack(t).get("tcb_info");
    }

    private static ArrayNode quote(ObjectNode t) {
        return (ArrayNode) dstack(t).get("quote");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFieldsAreNamed(String what, Consumer<ObjectNode> edit, String field) {
        ObjectNode tree = MpcFixtures.newest().tree();
        edit.accept(tree);
        assertThatThrownBy(() -> MpcPublicData.parse(MpcFixtures.bytes(tree)))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void aMissingDstackNamesAtMostEightFieldsEscaped() {
        ObjectNode tree = MpcFixtures.newest().tree();
        ObjectNode tee = tree.putObject("tee_participant_info");
        tee.put("\u001b[8mVALID\u2028", 1);
        for (int i = 0; i < 20; i++) tee.put("f" + i, i);
        assertThatThrownBy(() -> MpcPublicData.parse(MpcFixtures.bytes(tree)))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("\u001b").doesNotContain("\u2028")
                            .contains("\\u001b[8mVALID\\u2028").contains("(21 in all)").doesNotContain("f8");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "[]", "\"x\"", "{\"near_signer_public_key\":", "{\"a\":1,\"a\":2}"})
    void notAnEvidenceDocument(String text) {
        assertThatThrownBy(() -> MpcPublicData.parse(text.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> {
                    assertThat(e.field()).isIn("$", "near_signer_public_key");
                    assertNotTheCatchAll(e);
                });
    }

    @Test
    void absurdNestingIsAFormatErrorNotAStackOverflow() {
        byte[] deep = ("{\"near_signer_public_key\":" + "[".repeat(100_000)).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MpcPublicData.parse(deep)).isInstanceOfSatisfying(EvidenceFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("$");
            assertNotTheCatchAll(e);
        });
    }

    /** The parser's catch-all turns any crash into this type; a refusal must come from a real check instead. */
    static void assertNotTheCatchAll(EvidenceFormatException e) {
        assertThat(e.getMessage()).doesNotContain("unparseable");
        if (e.getCause() != null) assertThat(e.getCause()).isNotInstanceOf(RuntimeException.class);
    }

    @Test
    void duplicateKeysAreRejectedNotLastWins() {
        String json = new String(MpcFixtures.newest().json(), StandardCharsets.UTF_8);
        String dup = json.replaceFirst("\\{", "{\"near_signer_public_key\":\"ed25519:" + Base58.encode(new byte[32]) + "\",");
        assertThatThrownBy(() -> MpcPublicData.parse(dup.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EvidenceFormatException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void fromPartsAcceptsTheThreeEventLogForms() throws Exception {
        MpcFixtures.Fixture f = MpcFixtures.newest();
        byte[] quote = MpcFixtures.quoteOf(f.dstack());
        JsonNode log = f.tcbInfo().get("event_log");
        String app = f.tcbInfo().get("app_compose").textValue();
        ObjectNode getQuote = MpcFixtures.JSON.createObjectNode().put("quote", "00").set("event_log", TextNode.valueOf(log.toString()));
        List<byte[]> forms = List.of(MpcFixtures.bytes(log), MpcFixtures.bytes(TextNode.valueOf(log.toString())),
                MpcFixtures.bytes(getQuote), MpcFixtures.bytes(f.tcbInfo()));
        for (byte[] form : forms) {
            MpcPublicData d = MpcPublicData.fromParts(quote, form, Optional.of(app), Optional.empty());
            assertThat(d.eventLog()).isEqualTo(f.parse().eventLog());
            assertThat(d.keys()).isEmpty();
            assertThat(d.tcbInfo()).isEmpty();
            assertThat(d.appCompose()).contains(app);
            assertThat(d.quote()).isEqualTo(quote);
        }
    }

    @Test
    void fromPartsRejectsBadInputNamingIt() {
        byte[] log = "[]".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MpcPublicData.fromParts(new byte[0], log, Optional.empty(), Optional.empty()))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> assertThat(e.field()).isEqualTo("quote"));
        assertThatThrownBy(() -> MpcPublicData.fromParts(new byte[10], "{}".getBytes(StandardCharsets.UTF_8), Optional.empty(), Optional.empty()))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> assertThat(e.field()).isEqualTo("event_log"));
        assertThatThrownBy(() -> MpcPublicData.fromParts(new byte[10], "[{\"imr\":9,\"event_type\":1}]".getBytes(StandardCharsets.UTF_8),
                Optional.empty(), Optional.empty()))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> assertThat(e.field()).isEqualTo("event_log"))
                .hasMessageContaining("imr");
        assertThatThrownBy(() -> MpcPublicData.fromParts(new byte[10], log, Optional.empty(),
                Optional.of(TextNode.valueOf("x"))))
                .isInstanceOfSatisfying(EvidenceFormatException.class, e -> assertThat(e.field()).isEqualTo("collateral"));
    }

    @Test
    void invalidUtf8IsRejectedBeforeJacksonCanMisreadAFieldName() {
        byte[] json = "{\"tee_participant_info\": {}, \"x\": \"??\"}".getBytes(StandardCharsets.UTF_8);
        json[json.length - 4] = (byte) 0xFF;
        json[json.length - 3] = (byte) 0xFE;
        assertThatThrownBy(() -> MpcPublicData.parse(json)).isInstanceOfSatisfying(EvidenceFormatException.class,
                e -> assertThat(e.getMessage()).contains("not valid UTF-8"));
    }
}
