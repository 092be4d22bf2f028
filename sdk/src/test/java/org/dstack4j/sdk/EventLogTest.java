package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void parseRoundTripsAndFindsByName() throws Exception {
        var a = EventLogEntry.runtime("compose-hash", new byte[] {1});
        var b = new EventLogEntry(1, 0x80000001L, "cd".repeat(48), "", "00");
        var c = EventLogEntry.runtime("compose-hash", new byte[] {2});
        EventLog log = EventLog.parse(EventLog.of(List.of(a, b, c)).toJson());
        assertThat(log.entries()).containsExactly(a, b, c);
        assertThat(log.rtmr3Events()).containsExactly(a, c);
        assertThat(log.forRegister(1)).containsExactly(b);
        assertThat(log.named("compose-hash")).containsExactly(a, c);
        assertThat(log.first("compose-hash")).contains(a);
        assertThat(log.first("missing")).isEmpty();
    }

    @Test
    void missingStringsReadAsEmptyAndUnknownFieldsAreIgnored() throws Exception {
        EventLog log = EventLog.parse("[{\"imr\":3,\"event_type\":134217729,\"event\":\"boot-mr-done\",\"x\":[1]}]");
        assertThat(log.entries().getFirst()).isEqualTo(new EventLogEntry(3, 0x08000001L, "", "boot-mr-done", ""));
    }

    @Test
    void rejectsMalformedLogsWithTheFieldNamed() {
        assertThatThrownBy(() -> EventLog.parse("{")).isInstanceOf(EventLogFormatException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> EventLog.parse("{}")).hasMessageContaining("must be a JSON array");
        assertThatThrownBy(() -> EventLog.parse("[1]")).hasMessageContaining("event_log[0] must be an object");
        assertThatThrownBy(() -> EventLog.parse("[{\"event_type\":1}]")).hasMessageContaining("event_log[0].imr must be an integer, got missing");
        assertThatThrownBy(() -> EventLog.parse("[{\"imr\":4,\"event_type\":1}]")).hasMessageContaining("outside 0..3");
        assertThatThrownBy(() -> EventLog.parse("[{\"imr\":0,\"event_type\":4294967296}]")).hasMessageContaining("event_type");
        assertThatThrownBy(() -> EventLog.parse("[{\"imr\":0,\"event_type\":1.5}]")).hasMessageContaining("event_type");
        assertThatThrownBy(() -> EventLog.parse("[{\"imr\":0,\"event_type\":1,\"digest\":\"abcd\"}]")).hasMessageContaining("digest must be 96 hex");
        assertThatThrownBy(() -> EventLog.parse("[{\"imr\":3,\"event_type\":1,\"event_payload\":\"xyz\"}]")).hasMessageContaining("event_payload is not hex");
        assertThatThrownBy(() -> EventLog.parse("[{\"imr\":3,\"event_type\":1,\"event\":7}]")).hasMessageContaining("event must be a string");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"a\\nVALID", "esc\\u001b[8m", "cr\\r", "nul\\u0000",
            "bidi\\u202e", "zwj\\u200d", "bom\\ufeff", "ls\\u2028", "ps\\u2029", "lone\\ud800", "lone\\udfff"})
    void rejectsEventNamesThatCouldForgeOutputOrCollide(String escapedName) {
        String json = "[{\"imr\":3,\"event_type\":134217729,\"event\":\"" + escapedName + "\",\"event_payload\":\"\"}]";
        assertThatThrownBy(() -> EventLog.parse(json)).isInstanceOf(EventLogFormatException.class)
                .hasMessageContaining("event_log[0].event holds a control, format or line-separator character");
    }

    @Test
    void acceptsOrdinaryUnicodeEventNames() throws Exception {
        assertThat(EventLog.parse("[{\"imr\":3,\"event_type\":1,\"event\":\"app-ünï-😀 x\\\\y\"}]").entries().getFirst().event())
                .isEqualTo("app-ünï-😀 x\\y");
    }

    @Test
    void replayRefusesNonRuntimeEntriesWithoutDigest() throws Exception {
        EventLog log = EventLog.parse("[{\"imr\":0,\"event_type\":1,\"digest\":\"\"}]");
        assertThatThrownBy(() -> log.replay(0)).isInstanceOf(EventLogFormatException.class).hasMessageContaining("no 48-byte digest");
        assertThat(log.replay(3)).isEqualTo(new byte[48]);
        assertThatThrownBy(() -> log.replay(4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void digestMismatchesFindsTamperedEntriesOnly() {
        var honest = EventLogEntry.runtime("app-id", new byte[] {1});
        var blank = new EventLogEntry(3, RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, "", "key-provider", "01");
        var forged = new EventLogEntry(3, RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, honest.digest(), "app-id", "02");
        assertThat(EventLog.of(List.of(honest, blank, forged)).digestMismatches()).containsExactly(forged);
    }

    /** Every real attestation's RTMR3 replays from its event log, with and without the logged RTMR3 digests. */
    @Test
    void realAttestationsReplayToTheirRtmr3() throws Exception {
        for (Path file : Fixtures.publicData()) {
            JsonNode tcb = JSON.readTree(file.toFile()).at("/tee_participant_info/Dstack/tcb_info");
            EventLog log = EventLog.parse(tcb.get("event_log").toString());
            byte[] expected = HexFormat.of().parseHex(tcb.get("rtmr3").asText());

            assertThat(log.replay(3)).as(file.toString()).isEqualTo(expected);
            assertThat(log.digestMismatches()).as("logged RTMR3 digests of " + file).isEmpty();
            for (EventLogEntry e : log.rtmr3Events()) {
                assertThat(e.digest()).isEqualTo(HexFormat.of().formatHex(
                        RuntimeEvents.digest(e.eventType(), e.event(), e.payloadBytes())));
            }
            for (int i = 0; i < 3; i++) {
                assertThat(log.replay(i)).as("RTMR%d of %s", i, file).isEqualTo(HexFormat.of().parseHex(tcb.get("rtmr" + i).asText()));
            }
            assertThat(log.named("compose-hash")).hasSize(1);
            assertThat(log.named("mpc-image-digest")).hasSize(1);

            // GetQuote serves RTMR3 digests blanked: replay must not depend on them
            List<EventLogEntry> blanked = new ArrayList<>();
            for (EventLogEntry e : log.entries()) {
                blanked.add(e.imr() == 3 ? new EventLogEntry(3, e.eventType(), "", e.event(), e.eventPayload()) : e);
            }
            assertThat(EventLog.of(blanked).replay(3)).isEqualTo(expected);

            // and dropping or reordering an event changes the result
            List<EventLogEntry> dropped = new ArrayList<>(log.entries());
            dropped.remove(log.entries().indexOf(log.first("mpc-image-digest").orElseThrow()));
            assertThat(EventLog.of(dropped).replay(3)).isNotEqualTo(expected);
        }
    }

    /** The client parses a real GetQuote-shaped answer and its replay matches the quote's RTMR3 bytes. */
    @Test
    void clientParsesRealQuoteAnswer(@TempDir Path dir) throws Exception {
        Path file = Fixtures.publicData().getFirst();
        JsonNode dstack = JSON.readTree(file.toFile()).at("/tee_participant_info/Dstack");
        byte[] quote = new byte[dstack.get("quote").size()];
        for (int i = 0; i < quote.length; i++) quote[i] = (byte) dstack.get("quote").get(i).intValue();
        ObjectNode answer = JSON.createObjectNode().put("quote", HexFormat.of().formatHex(quote))
                .put("event_log", dstack.at("/tcb_info/event_log").toString())
                .put("report_data", HexFormat.of().formatHex(Arrays.copyOfRange(quote, 568, 632)))
                .put("vm_config", "{}");
        try (FakeAgent agent = new FakeAgent(dir.resolve("a.sock")); DstackClient c = agent.client()) {
            agent.script = s -> FakeAgent.Reply.ok(answer.toString());
            GetQuoteResponse r = c.getQuote(new byte[64]);
            // v4 quote: RTMR3 is the 48 bytes at offset 520 (header 48 + TD report offset 472)
            assertThat(r.replayRtmrs().get(3)).isEqualTo(Arrays.copyOfRange(quote, 520, 568));
            assertThat(r.reportData()).isEqualTo(Arrays.copyOfRange(quote, 568, 632));
        }
    }
}
