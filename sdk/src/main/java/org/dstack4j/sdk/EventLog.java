package org.dstack4j.sdk;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A dstack event log: the ordered entries that extended RTMR0–3 (docs/guest-api.md
 * "Event log entries"), with replay and lookup helpers.
 *
 * {@snippet :
 * GetQuoteResponse q = client.getQuote(reportData);
 * EventLog log = q.log();
 * byte[] rtmr3 = log.replay(3);                         // 48 bytes, digests recomputed from names and payloads
 * Optional<EventLogEntry> image = log.first("mpc-image-digest");
 * }
 *
 * @param entries the entries in log order (copied, unmodifiable)
 */
public record EventLog(List<EventLogEntry> entries) {

    /** Number of TDX runtime measurement registers (RTMR0–3). */
    public static final int REGISTER_COUNT = 4;

    public EventLog {
        entries = List.copyOf(entries);
    }

    /** An event log holding {@code entries} in order. */
    public static EventLog of(List<EventLogEntry> entries) {
        return new EventLog(entries);
    }

    /**
     * Parses the JSON text form: an array of {@code {"imr","event_type","digest","event","event_payload"}}
     * objects, as in {@code GetQuote.event_log}. {@code imr} and {@code event_type} are required;
     * missing strings read as {@code ""}; unknown fields are ignored. An {@code event} name holding a
     * control, format or line-separator character or a lone surrogate is refused ({@link TerminalText}).
     *
     * @throws EventLogFormatException naming the entry and field when the text is not such an array
     */
    public static EventLog parse(String json) throws EventLogFormatException {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new EventLogFormatException("event log is not valid JSON (" + Json.location(e) + ")", e);
        }
        return fromJson(root);
    }

    /** Reads an already parsed JSON array (e.g. {@code tcb_info.event_log}). */
    static EventLog fromJson(JsonNode root) throws EventLogFormatException {
        if (root == null || !root.isArray()) {
            throw new EventLogFormatException("event log must be a JSON array, got " + Json.kind(root));
        }
        List<EventLogEntry> out = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            out.add(entry(root.get(i), i));
        }
        return new EventLog(out);
    }

    private static EventLogEntry entry(JsonNode n, int i) throws EventLogFormatException {
        if (!n.isObject()) {
            throw new EventLogFormatException("event_log[" + i + "] must be an object, got " + Json.kind(n));
        }
        long imr = integer(n, i, "imr", 0, REGISTER_COUNT - 1);
        long type = integer(n, i, "event_type", 0, 0xFFFF_FFFFL);
        String digest = string(n, i, "digest");
        String event = string(n, i, "event");
        String payload = string(n, i, "event_payload");
        if (TerminalText.hasUnprintable(event)) {
            // no dstack event name holds one; such a name could forge printed output, and a lone
            // surrogate hashes as '?' so two names would share a digest
            throw new EventLogFormatException("event_log[" + i + "].event holds a control, format or line-separator"
                    + " character or a lone surrogate; such names are refused");
        }
        if (!digest.isEmpty() && hexLength(digest) != RuntimeEvents.RTMR_SIZE) {
            throw new EventLogFormatException("event_log[" + i + "].digest must be 96 hex chars or empty");
        }
        if (hexLength(payload) < 0) {
            throw new EventLogFormatException("event_log[" + i + "].event_payload is not hex");
        }
        return new EventLogEntry((int) imr, type, digest, event, payload);
    }

    private static long integer(JsonNode n, int i, String field, long min, long max) throws EventLogFormatException {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new EventLogFormatException("event_log[" + i + "]." + field + " must be an integer, got " + Json.kind(v));
        }
        long x = v.longValue();
        if (x < min || x > max) {
            throw new EventLogFormatException("event_log[" + i + "]." + field + " = " + x + " is outside " + min + ".." + max);
        }
        return x;
    }

    private static String string(JsonNode n, int i, String field) throws EventLogFormatException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new EventLogFormatException("event_log[" + i + "]." + field + " must be a string, got " + Json.kind(v));
        }
        return v.textValue();
    }

    /** Byte length of a hex string (with optional 0x), or -1 if it is not hex. */
    private static int hexLength(String hex) {
        try {
            return Hex.decode(hex).length;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** The JSON text form, as {@code GetQuote.event_log} carries it. */
    public String toJson() {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (EventLogEntry e : entries) {
            ObjectNode o = arr.addObject();
            o.put("imr", e.imr());
            o.put("event_type", e.eventType());
            o.put("digest", e.digest());
            o.put("event", e.event());
            o.put("event_payload", e.eventPayload());
        }
        return arr.toString();
    }

    /**
     * Replays register {@code imr} from 48 zero bytes. Runtime-event digests are recomputed from name
     * and payload; other entries use their logged digest.
     *
     * @param imr 0-based register index, 0–3
     * @return the 48-byte register value
     * @throws EventLogFormatException if an entry of that register cannot be replayed (no 48-byte digest, bad hex)
     */
    public byte[] replay(int imr) throws EventLogFormatException {
        if (imr < 0 || imr >= REGISTER_COUNT) {
            throw new IllegalArgumentException("imr must be 0.." + (REGISTER_COUNT - 1) + ", got " + imr);
        }
        for (int i = 0; i < entries.size(); i++) {
            EventLogEntry e = entries.get(i);
            if (e.imr() != imr) continue;
            // entries built in code (not parsed) may hold nulls or bad hex: check before RuntimeEvents throws
            if (e.event() == null || hexLength(e.eventPayload() == null ? "" : e.eventPayload()) < 0) {
                throw new EventLogFormatException("entry " + i + " has no event name or a non-hex payload");
            }
            if (e.eventType() != RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE
                    && (e.digest() == null || hexLength(e.digest()) != RuntimeEvents.RTMR_SIZE)) {
                throw new EventLogFormatException("entry " + i + " (imr " + imr + ", event_type " + e.eventType()
                        + ") has no 48-byte digest, so the register cannot be replayed");
            }
        }
        return RuntimeEvents.replay(entries, imr);
    }

    /** The four registers RTMR0–3 replayed, each 48 bytes; see {@link #replay(int)}. */
    public List<byte[]> replayAll() throws EventLogFormatException {
        List<byte[]> out = new ArrayList<>(REGISTER_COUNT);
        for (int imr = 0; imr < REGISTER_COUNT; imr++) {
            out.add(replay(imr));
        }
        return List.copyOf(out);
    }

    /** Entries of register {@code imr}, in order. */
    public List<EventLogEntry> forRegister(int imr) {
        return entries.stream().filter(e -> e.imr() == imr).toList();
    }

    /** RTMR3 entries (dstack runtime and app events), in order. */
    public List<EventLogEntry> rtmr3Events() {
        return forRegister(3);
    }

    /** RTMR3 runtime events named {@code event}, in order (e.g. {@code "compose-hash"}). */
    public List<EventLogEntry> named(String event) {
        return entries.stream()
                .filter(e -> e.imr() == 3 && e.eventType() == RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE)
                .filter(e -> event.equals(e.event()))
                .toList();
    }

    /** The first RTMR3 runtime event named {@code event}. */
    public Optional<EventLogEntry> first(String event) {
        return named(event).stream().findFirst();
    }

    /**
     * Runtime events whose logged (non-empty) digest differs from the one recomputed from name and
     * payload; an honest log has none. Entries with a blank digest (as {@code GetQuote} serves them) are skipped.
     */
    public List<EventLogEntry> digestMismatches() {
        HexFormat hex = HexFormat.of();
        List<EventLogEntry> bad = new ArrayList<>();
        for (EventLogEntry e : entries) {
            if (e.eventType() != RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE || e.digest() == null || e.digest().isEmpty()) {
                continue;
            }
            try {
                byte[] expected = RuntimeEvents.digest(e.eventType(), e.event() == null ? "" : e.event(), e.payloadBytes());
                if (!RuntimeEvents.sameRegister(expected, Hex.decode(e.digest()))) bad.add(e);
            } catch (IllegalArgumentException notHex) {
                bad.add(e);
            }
        }
        return List.copyOf(bad);
    }
}
