package org.dstack4j.cluster.join;

import java.security.MessageDigest;
import java.util.List;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.EventLogFormatException;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * What a verifier reads from a quote's RTMR3 event log, the same way for a member's join checks ({@link JoinChecks})
 * and a client's TLS check (tls module): the log replays to the quote's RTMR3, holds only dstack runtime events whose
 * logged digests match their name and payload, and names exactly one {@code key-provider} and one
 * {@code compose-hash} event. Each refusal is an {@link Invalid} with one line for the user.
 */
public final class RuntimeLog {
    /** The event naming the key provider (part of the MEASUREMENT policy value). */
    public static final String KEY_PROVIDER = "key-provider";
    /** The event carrying SHA-256 of the app-compose. */
    public static final String COMPOSE_HASH = "compose-hash";

    private RuntimeLog() {}

    /** The log does not satisfy a rule; the message says which. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Parses {@code eventLogJson} (dstack's event log JSON) and checks its RTMR3 part against {@code td}'s RTMR3.
     *
     * @throws Invalid when it does not parse, holds an event of another type, a logged digest differs from the
     *                 recomputed one, or it does not replay to the register
     */
    public static EventLog replayed(String eventLogJson, TdReport td) throws Invalid {
        EventLog log;
        byte[] replay;
        try {
            log = EventLog.parse(eventLogJson);
            replay = log.replay(3);
        } catch (EventLogFormatException | IllegalArgumentException e) {
            throw new Invalid("the event log cannot be replayed: " + e.getMessage());
        }
        for (EventLogEntry e : log.rtmr3Events()) {
            // only dstack runtime events bind their name and payload to the digest
            if (e.eventType() != RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE) {
                throw new Invalid("RTMR3 event \"" + org.dstack4j.sdk.TerminalText.escape(e.event()) + "\" is not a dstack runtime event");
            }
        }
        if (log.digestMismatches().stream().anyMatch(e -> e.imr() == 3)) {
            throw new Invalid("an RTMR3 event's logged digest differs from the one recomputed from its name and payload");
        }
        if (!RuntimeEvents.sameRegister(replay, td.rtmr3())) throw new Invalid("the RTMR3 events do not replay to the quote's RTMR3");
        return log;
    }

    /** The one RTMR3 event called {@code name}. @throws Invalid when there is none or several */
    public static EventLogEntry single(EventLog log, String name) throws Invalid {
        List<EventLogEntry> found = log.rtmr3Events().stream().filter(e -> name.equals(e.event())).toList();
        if (found.size() != 1) throw new Invalid("expected exactly one " + name + " event in RTMR3, found " + found.size());
        return found.getFirst();
    }

    /** An event's payload bytes. @throws Invalid when the payload is not hex */
    public static byte[] payload(EventLogEntry e) throws Invalid {
        try {
            return e.payloadBytes();
        } catch (IllegalArgumentException x) {
            throw new Invalid(e.event() + " payload is not hex");
        }
    }

    /** The MEASUREMENT policy value of {@code td} with the log's one key-provider event ({@link PolicyValues#measurement}). */
    public static byte[] measurement(TdReport td, EventLog log) throws Invalid {
        EventLogEntry kp = single(log, KEY_PROVIDER);
        byte[] digest = RuntimeEvents.digest(kp.eventType(), kp.event(), payload(kp));
        return PolicyValues.measurement(td.mrTd(), td.rtmr0(), td.rtmr1(), td.rtmr2(), digest);
    }

    /** The one compose-hash event's 32 bytes compared with SHA-256 of {@code appCompose}; the hash. */
    public static byte[] composeHash(EventLog log, String appCompose) throws Invalid {
        byte[] event = payload(single(log, COMPOSE_HASH));
        byte[] hash = PolicyValues.sha256(appCompose);
        if (!MessageDigest.isEqual(event, hash)) throw new Invalid("the compose-hash event is not SHA-256 of the evidence's app-compose");
        return hash;
    }
}
