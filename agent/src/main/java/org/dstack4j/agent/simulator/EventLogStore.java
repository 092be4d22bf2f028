package org.dstack4j.agent.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * Persists the RTMR3 event log in {@code <state-dir>/events.json}, written atomically (temp file,
 * fsync, rename, fsync of the directory), so a crash leaves either the old or the new log.
 *
 * <p>Format: {@code {"format":"dstack4j-simulator-events/1","rtmr3":"<96 hex>","events":[…]}}.
 * Loading is strict and fails closed: every event must be an RTMR3 runtime event whose digest
 * matches its name and payload, and the replay must equal the stored {@code rtmr3}.
 */
final class EventLogStore {
    static final String FILE_NAME = "events.json";
    private static final String FORMAT = "dstack4j-simulator-events/1";
    private static final long MAX_FILE_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path file;
    private final Path temp;

    EventLogStore(Path dir) {
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
        this.temp = dir.resolve(FILE_NAME + ".tmp");
    }

    Path file() {
        return file;
    }

    /**
     * Reads the saved log, creating the directory if needed.
     *
     * @return the events, or empty when nothing was saved yet (first boot)
     * @throws ProfileException if the state file is unreadable or inconsistent
     */
    Optional<List<EventLogEntry>> load() throws ProfileException {
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(temp); // an interrupted write; the real file is still intact
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw corrupt("is larger than 64 MiB");
            }
            JsonNode root;
            try {
                root = JSON.readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw corrupt("is not valid JSON");
            }
            if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
                throw corrupt("does not have \"format\":\"" + FORMAT + "\"");
            }
            JsonNode events = root.get("events");
            if (events == null || !events.isArray()) {
                throw corrupt("has no \"events\" array");
            }
            List<EventLogEntry> log = new ArrayList<>();
            for (JsonNode n : events) {
                EventLogEntry e;
                try {
                    e = JSON.treeToValue(n, EventLogEntry.class);
                } catch (IOException ex) {
                    throw corrupt("has a malformed event at index " + log.size());
                }
                if (e.imr() != 3 || e.eventType() != RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE || e.event() == null
                        || e.digest() == null) {
                    throw corrupt("event " + log.size() + " is not an RTMR3 runtime event");
                }
                byte[] digest;
                try {
                    digest = RuntimeEvents.digest(e.eventType(), e.event(), e.payloadBytes());
                } catch (IllegalArgumentException ex) {
                    throw corrupt("event " + log.size() + " has a payload that is not hex");
                }
                if (!HexFormat.of().formatHex(digest).equals(e.digest())) {
                    throw corrupt("event " + log.size() + " (" + e.event() + ") has a digest that does not match it");
                }
                log.add(e);
            }
            String stored = root.path("rtmr3").asText();
            if (!HexFormat.of().formatHex(RuntimeEvents.replay(log, 3)).equals(stored)) {
                throw corrupt("has an rtmr3 that is not the replay of its events");
            }
            return Optional.of(List.copyOf(log));
        } catch (IOException e) {
            throw new ProfileException("cannot read simulator state " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the log atomically and durably.
     *
     * @throws IOException if any step fails; the previous file is then unchanged
     */
    void save(List<EventLogEntry> log, byte[] rtmr3) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("rtmr3", HexFormat.of().formatHex(rtmr3));
        root.set("events", JSON.valueToTree(log));
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // make the rename itself durable
        }
    }

    private ProfileException corrupt(String why) {
        return new ProfileException("simulator state " + file + " " + why
                + "; refusing to start (move the state directory away to boot a fresh simulated CVM)");
    }
}
