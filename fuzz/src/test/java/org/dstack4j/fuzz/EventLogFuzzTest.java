package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogFormatException;

/**
 * Fuzzes {@link EventLog#parse} (the {@code event_log} JSON of {@code GetQuote} and {@code Info}):
 * only {@link EventLogFormatException} may escape. A parsed log must survive
 * {@code parse → toJson → parse} unchanged, and replaying it must either give four 48-byte
 * registers or fail with {@link EventLogFormatException}.
 *
 * <p>Seeds: the real event logs of the three MPC attestation fixtures, plus small hand-written
 * edge cases (empty array, runtime event with blank digest, {@code 0x} hex).
 */
class EventLogFuzzTest {

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"\"imr\"", "\"event_type\"", "\"digest\"", "\"event\"", "\"event_payload\"", "134217729",
            "\"mpc-image-digest\"", "\"compose-hash\"", "0x", "null", "[{", "}]"})
    void parse(byte[] input) throws EventLogFormatException {
        EventLog log;
        try {
            log = EventLog.parse(new String(input, StandardCharsets.UTF_8));
        } catch (EventLogFormatException e) {
            return;
        }
        assertThat(EventLog.parse(log.toJson())).isEqualTo(log);
        for (var e : log.entries()) {
            assertThat(e.imr()).isBetween(0, EventLog.REGISTER_COUNT - 1);
            assertThat(e.eventType()).isBetween(0L, 0xFFFF_FFFFL);
            assertThat(e.digest()).isNotNull();
            assertThat(e.event()).isNotNull();
            e.payloadBytes(); // parse accepted the payload as hex, so this must decode
        }
        try {
            List<byte[]> registers = log.replayAll();
            assertThat(registers).hasSize(EventLog.REGISTER_COUNT).allSatisfy(r -> assertThat(r).hasSize(48));
        } catch (EventLogFormatException expected) {
            // a non-runtime entry without a digest cannot be replayed: a typed error, fine
        }
        log.digestMismatches();
    }
}
