package org.dstack4j.sdk;

/**
 * An event log could not be parsed or replayed: not a JSON array of entries, a field missing or
 * of the wrong type, bad hex, an {@code imr} outside 0–3, or a non-runtime entry without a 48-byte digest.
 * The message names the entry index and field.
 */
public final class EventLogFormatException extends Exception {
    public EventLogFormatException(String message) {
        super(message);
    }

    public EventLogFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
