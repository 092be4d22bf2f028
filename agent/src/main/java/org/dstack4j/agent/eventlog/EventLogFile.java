package org.dstack4j.agent.eventlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The RTMR3 runtime event log on disk: JSON lines, one {@link EventLogEntry} per line
 * ({@code {"imr":3,"event_type":134217729,"digest":"…","event":"…","event_payload":"…"}}), appended
 * and fsynced before the register is extended. Not thread-safe: the backend's lock guards it.
 *
 * <p>Loading is strict: every line must be an RTMR3 runtime event whose digest matches its name
 * and payload. A last line without its newline is a torn append (the process died before fsync
 * returned, so the register was never extended for it) and is reported as such, not loaded.
 *
 * <p>Shared by both backends (the Linux TDX event log and the simulator's state directory): each emit
 * costs one append and one fsync, whatever the log's length.
 */
public final class EventLogFile {
    /** Largest log accepted, in bytes. */
    static final long MAX_FILE_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private long length; // bytes of complete lines in the file

    private EventLogFile(Path file, long length) {
        this.file = file;
        this.length = length;
    }

    /**
     * What was on disk.
     *
     * @param events   the events, in append order
     * @param tornTail bytes after the last newline (an interrupted append), 0 normally
     * @param file     the opened log, positioned to append after the complete lines
     */
    public record Loaded(List<EventLogEntry> events, long tornTail, EventLogFile file) {
        public Loaded {
            events = List.copyOf(events);
        }
    }

    /**
     * Opens the log, creating an empty one (and its directory) if absent.
     *
     * @throws EventLogFileException if it is unreadable, too large or holds an invalid line
     */
    public static Loaded open(Path file) throws EventLogFileException {
        byte[] bytes;
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            if (!Files.exists(file)) {
                Files.createFile(file);
                fsyncDir(dir);
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new EventLogFileException("event log " + file + " is larger than 64 MiB; refusing to start");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EventLogFileException("cannot read event log " + file + ": " + e.getMessage(), e);
        }
        List<EventLogEntry> events = new ArrayList<>();
        int start = 0;
        int lineNo = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            lineNo++;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            if (line.isBlank()) {
                continue;
            }
            events.add(parseLine(file, lineNo, line));
        }
        return new Loaded(events, bytes.length - start, new EventLogFile(file, start));
    }

    private static EventLogEntry parseLine(Path file, int lineNo, String line) throws EventLogFileException {
        EventLogEntry e;
        try {
            e = JSON.readValue(line, EventLogEntry.class);
        } catch (IOException ex) {
            throw corrupt(file, lineNo, "is not an event log entry (JSON object)");
        }
        if (e == null || e.imr() != 3 || e.eventType() != RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE || e.event() == null
                || e.digest() == null) {
            throw corrupt(file, lineNo, "is not an RTMR3 runtime event");
        }
        byte[] digest;
        try {
            digest = RuntimeEvents.digest(e.eventType(), e.event(), e.payloadBytes());
        } catch (IllegalArgumentException ex) {
            throw corrupt(file, lineNo, "has a payload that is not hex");
        }
        if (!HexFormat.of().formatHex(digest).equals(e.digest())) {
            throw corrupt(file, lineNo, "(" + e.event() + ") has a digest that does not match its name and payload");
        }
        return e;
    }

    private static EventLogFileException corrupt(Path file, int lineNo, String why) {
        return new EventLogFileException("event log " + file + " line " + lineNo + " " + why
                + "; refusing to start (the log no longer proves RTMR3)");
    }

    /** The log's path. */
    public Path path() {
        return file;
    }

    /** Cuts the file back to its complete lines (drops a torn tail) and syncs. */
    public void dropTornTail() throws IOException {
        truncate(length);
    }

    /** Current length in bytes; pass to {@link #truncate} to undo later appends. */
    public long length() {
        return length;
    }

    /**
     * Appends one event as a line and forces it to disk before returning.
     *
     * @throws IOException if writing or syncing fails (the file may hold a partial line)
     */
    public void append(EventLogEntry entry) throws IOException {
        byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.position(length);
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
        }
        length += line.length;
    }

    /** Cuts the file to {@code newLength} bytes and syncs: undoes appends whose extension failed. */
    public void truncate(long newLength) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(newLength);
            ch.force(false);
        }
        length = newLength;
    }

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
