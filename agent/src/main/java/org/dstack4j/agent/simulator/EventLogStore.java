package org.dstack4j.agent.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.dstack4j.agent.eventlog.EventLogFile;
import org.dstack4j.agent.eventlog.EventLogFileException;
import org.dstack4j.sdk.EventLogEntry;

/**
 * Persists the simulator's RTMR3 event log in {@code <state-dir>/events.jsonl}, append-only, as the
 * Linux TDX backend does ({@link EventLogFile}): each event is appended and fsynced before
 * {@code EmitEvent} returns, so an emit costs the same after 10 000 events as after one.
 *
 * <p>Loading is strict and fails closed: every line must be an RTMR3 runtime event whose digest matches
 * its name and payload. A torn last line (the agent died during the append, before EmitEvent answered)
 * is dropped.
 */
final class EventLogStore {
    static final String FILE_NAME = "events.jsonl";
    /** The earlier format (whole log rewritten per event); not read, see {@link #load()}. */
    private static final String OLD_FILE_NAME = "events.json";

    private final Path dir;
    private final Path file;
    private EventLogFile log; // after load()

    EventLogStore(Path dir) {
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /**
     * Opens the log, creating the directory and an empty log if needed.
     *
     * @return the events, or empty when nothing was saved yet (first boot)
     * @throws ProfileException if the state is unreadable or inconsistent
     */
    Optional<List<EventLogEntry>> load() throws ProfileException {
        if (Files.exists(dir.resolve(OLD_FILE_NAME))) {
            throw new ProfileException("simulator state directory " + dir + " holds " + OLD_FILE_NAME
                    + " from an earlier dstack4j; the log is now " + FILE_NAME + " (append-only); use a fresh --state-dir");
        }
        EventLogFile.Loaded loaded;
        try {
            loaded = EventLogFile.open(file);
        } catch (EventLogFileException e) {
            throw new ProfileException("simulator state: " + e.getMessage()
                    + " (move the state directory away to boot a fresh simulated CVM)", e);
        }
        log = loaded.file();
        if (loaded.tornTail() > 0) {
            try {
                log.dropTornTail();
            } catch (IOException e) {
                throw new ProfileException("cannot drop the interrupted last line of " + file + ": " + e.getMessage(), e);
            }
        }
        return loaded.events().isEmpty() ? Optional.empty() : Optional.of(loaded.events());
    }

    /**
     * Appends one event durably; on failure the file is cut back to what it was.
     *
     * @throws IOException if the append failed (the log then is unchanged, or the undo failed too)
     */
    void append(EventLogEntry entry) throws IOException {
        long before = log.length();
        try {
            log.append(entry);
        } catch (IOException e) {
            try {
                log.truncate(before);
            } catch (IOException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }
}
