package org.dstack4j.agent.eventlog;

/** An event log file cannot be read or does not prove its register; the message names the file and line. */
public final class EventLogFileException extends Exception {
    public EventLogFileException(String message) {
        super(message);
    }

    public EventLogFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
