package org.dstack4j.agent.eventlog;

import org.dstack4j.agent.api.TeeException;
import org.dstack4j.sdk.EventLogEntry;

/**
 * The cap on the RTMR3 event log, the same for both backends: at most {@value #MAX_EVENTS} events and
 * {@value #MAX_NAME_AND_PAYLOAD_BYTES} bytes of event names and payloads per boot (boot events included).
 *
 * <p>Why these numbers: the whole log travels in every {@code GetQuote} and {@code Info} answer; at the
 * cap those stay under the 8 MiB a {@code DstackClient} accepts by default, and memory stays bounded.
 * Any client of the socket can fill the log (socket access is the trust boundary: mode 0660); after
 * that {@code EmitEvent} fails with {@link TeeException.Rejected} and nothing is measured, so a later
 * measurement fails closed rather than being left out.
 */
public final class EventLogCap {
    /** Most RTMR3 events per boot. */
    public static final int MAX_EVENTS = 16_384;
    /** Most bytes of event names (UTF-8) plus payloads per boot: 1 MiB (hex doubles it on the wire). */
    public static final long MAX_NAME_AND_PAYLOAD_BYTES = 1L << 20;

    private int events;
    private long bytes;

    /** Counts an event already in the log (loaded at start); never refuses. */
    public void count(EventLogEntry entry) {
        events++;
        bytes += size(entry);
    }

    /**
     * Counts one more event, or refuses it.
     *
     * @throws TeeException.Rejected naming the cap when the event would exceed it
     */
    public void admit(EventLogEntry entry) throws TeeException.Rejected {
        long size = size(entry);
        if (events >= MAX_EVENTS || bytes + size > MAX_NAME_AND_PAYLOAD_BYTES) {
            throw new TeeException.Rejected("event log is full (cap: " + MAX_EVENTS + " events and "
                    + MAX_NAME_AND_PAYLOAD_BYTES + " bytes of names and payloads per boot; it holds " + events
                    + " events, " + bytes + " bytes); event not measured");
        }
        events++;
        bytes += size;
    }

    /** Gives back an admitted event whose append failed. */
    public void release(EventLogEntry entry) {
        events--;
        bytes -= size(entry);
    }

    private static long size(EventLogEntry e) {
        return e.event().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + e.payloadBytes().length;
    }
}
