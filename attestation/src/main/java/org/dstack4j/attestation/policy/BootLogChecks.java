package org.dstack4j.attestation.policy;

import java.util.ArrayList;
import java.util.List;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.EventLogFormatException;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The RTMR0–2 part of the event log (firmware, kernel, command line and initrd measurements).
 *
 * <p>Why: those entries are shown to readers of the evidence and could claim anything (an IMR-2 entry
 * named {@code mpc-image-digest}, say). They carry their digests, so replaying each register from them
 * must give exactly the quote's register; otherwise the log is not the one that was measured. A
 * register with no entries in the log is not replayed (a log served without the boot part, as by the
 * Linux TDX backend): its value is still checked against the allowed measurement set.
 */
final class BootLogChecks {
    private BootLogChecks() {}

    /** Each of RTMR0–2 that has entries in the log replays to the quote's value; entries must carry a 48-byte digest. */
    static Check replay(TdReport report, EventLog log) {
        String name = MpcAppVerifier.RTMR0_2_REPLAY;
        byte[][] quoted = {report.rtmr0(), report.rtmr1(), report.rtmr2()};
        List<String> problems = new ArrayList<>();
        List<String> replayed = new ArrayList<>();
        for (int imr = 0; imr < 3; imr++) {
            List<EventLogEntry> entries = log.forRegister(imr);
            if (entries.isEmpty()) {
                continue;
            }
            if (entries.stream().anyMatch(e -> e.eventType() == RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE)) {
                problems.add("RTMR" + imr + " holds a dstack runtime event, which only RTMR3 may hold");
                continue;
            }
            byte[] value;
            try {
                value = log.replay(imr);
            } catch (EventLogFormatException e) {
                problems.add("RTMR" + imr + " cannot be replayed: " + e.getMessage());
                continue;
            }
            if (!RuntimeEvents.sameRegister(value, quoted[imr])) {
                problems.add("replaying " + entries.size() + " RTMR" + imr + " events gives " + Hex.encode(value)
                        + " but the quote's RTMR" + imr + " is " + Hex.encode(quoted[imr])
                        + " (an entry was added, removed, reordered or changed)");
            } else {
                replayed.add("RTMR" + imr + " (" + entries.size() + " events)");
            }
        }
        if (!problems.isEmpty()) {
            return Check.fail(name, String.join("; ", problems));
        }
        return Check.pass(name, replayed.isEmpty()
                ? "the log has no RTMR0-2 entries (nothing to replay; the registers are checked against the measurement set)"
                : "replay equals the quote for " + String.join(", ", replayed));
    }
}
