package org.dstack4j.sdk;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One entry of the dstack event log, as the guest agent serves it (docs/guest-api.md
 * "Event log entries").
 *
 * @param imr          0-based index of the measurement register (3 = RTMR3)
 * @param eventType    event type, {@value RuntimeEvents#DSTACK_RUNTIME_EVENT_TYPE} for dstack runtime events
 * @param digest       96 lowercase hex chars (48-byte SHA-384), or {@code ""} where the agent blanks it
 * @param event        event name, {@code ""} for boot-time RTMR0–2 events
 * @param eventPayload payload bytes as lowercase hex
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EventLogEntry(
        @JsonProperty("imr") int imr,
        @JsonProperty("event_type") long eventType,
        @JsonProperty("digest") String digest,
        @JsonProperty("event") String event,
        @JsonProperty("event_payload") String eventPayload) {

    /** A dstack runtime event on RTMR3, with its digest computed from name and payload. */
    public static EventLogEntry runtime(String event, byte[] payload) {
        byte[] digest = RuntimeEvents.digest(RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, event, payload);
        return new EventLogEntry(3, RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE,
                java.util.HexFormat.of().formatHex(digest), event, java.util.HexFormat.of().formatHex(payload));
    }

    /** The payload as bytes; {@link IllegalArgumentException} if it is not hex. */
    public byte[] payloadBytes() {
        return Hex.decode(eventPayload == null ? "" : eventPayload);
    }
}
