package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16 item 9: the RTMR0–2 entries of the event log are replayed and must equal the quote's
 * registers, so a forged boot entry (e.g. an IMR-2 {@code mpc-image-digest}) makes the evidence invalid.
 */
class BootLogReplayTest {
    private static AppVerification verify(ObjectNode tree) throws Exception {
        return MpcAppVerifier.verify(Forge.parse(tree), Forge.ownPolicy(tree));
    }

    private static ObjectNode entry(int imr, long type, String digest, String event, String payload) {
        ObjectNode e = MpcFixtures.JSON.createObjectNode();
        e.put("imr", imr).put("event_type", type).put("digest", digest).put("event", event).put("event_payload", payload);
        return e;
    }

    private static int firstOf(ArrayNode log, int imr) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).get("imr").asInt() == imr) return i;
        }
        throw new IllegalArgumentException("no IMR " + imr + " entry");
    }

    static Stream<Arguments> forgeries() {
        String image = "7c0ee6d08f253f7f890883ce4d64c387aab0d1a192a8a827f7db8cdf55a6a3b8";
        return Stream.<Arguments>of(
                Arguments.of("IMR-2 entry named mpc-image-digest", (Consumer<ArrayNode>) log ->
                        log.add(entry(2, 1, "00".repeat(48), "mpc-image-digest", image)), "replaying 3 RTMR2 events"),
                Arguments.of("IMR-2 entry without a digest", (Consumer<ArrayNode>) log ->
                        log.add(entry(2, 1, "", "mpc-image-digest", image)), "cannot be replayed"),
                Arguments.of("IMR-1 runtime event", (Consumer<ArrayNode>) log ->
                        log.add(entry(1, 134217729, "", "mpc-image-digest", image)), "only RTMR3"),
                Arguments.of("first IMR-0 entry removed", (Consumer<ArrayNode>) log -> log.remove(firstOf(log, 0)),
                        "RTMR0"),
                Arguments.of("IMR-1 digest changed", (Consumer<ArrayNode>) log ->
                        ((ObjectNode) log.get(firstOf(log, 1))).put("digest", "11".repeat(48)), "RTMR1"),
                Arguments.of("two IMR-0 entries swapped", (Consumer<ArrayNode>) log -> {
                    int a = firstOf(log, 0);
                    JsonNode first = log.get(a);
                    log.set(a, log.get(a + 1));
                    log.set(a + 1, first);
                }, "RTMR0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgeries")
    void aForgedBootEntryMakesTheEvidenceInvalid(String name, Consumer<ArrayNode> forge, String detail) throws Exception {
        ObjectNode tree = MpcFixtures.newest().tree();
        forge.accept(Forge.log(tree));
        AppVerification v = verify(tree);
        assertThat(v.ok()).isFalse();
        assertThat(v.failures()).extracting(Check::name).containsExactly(MpcAppVerifier.RTMR0_2_REPLAY);
        assertThat(v.failures().getFirst().detail()).contains(detail);
    }

    @Test
    void everyRealCaptureReplaysRtmr0To2FromItsLog() throws Exception {
        assertThat(MpcFixtures.all()).isNotEmpty();
        for (MpcFixtures.Fixture f : MpcFixtures.all()) {
            AppVerification v = verify(f.tree());
            Check c = v.checks().stream().filter(x -> x.name().equals(MpcAppVerifier.RTMR0_2_REPLAY)).findFirst().orElseThrow();
            assertThat(c.ok()).as(c.detail()).isTrue();
            assertThat(c.detail()).contains("RTMR0 (13 events)", "RTMR1 (5 events)", "RTMR2 (2 events)");
        }
    }

    @Test
    void aLogWithoutBootEntriesIsNotReplayedButStillVerified() throws Exception {
        ObjectNode tree = MpcFixtures.newest().tree();
        ArrayNode log = Forge.log(tree);
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).get("imr").asInt() < 3) log.remove(i);
        }
        AppVerification v = verify(tree);
        assertThat(v.ok()).as("%s", v.failures()).isTrue();
        assertThat(v.checks()).filteredOn(c -> c.name().equals(MpcAppVerifier.RTMR0_2_REPLAY)).singleElement()
                .extracting(Check::detail).asString().contains("no RTMR0-2 entries");
    }
}
