package org.dstack4j.sdk.attestation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.TerminalText;

/**
 * dstack's versioned attestation document, as {@code Attest} returns it (Dstack-TEE/dstack
 * {@code dstack-attest/src/attestation.rs} and {@code v1.rs}, release v0.5.11), for the TDX platform and
 * the plain dstack stack. Two wire forms, told apart by the first byte:
 * <ul>
 *   <li><b>V0</b>, SCALE, first byte {@code 0x00}: enum index 0, then quote kind 0 (TDX),
 *       {@code Vec<u8>} quote, {@code Vec<TdxEvent>} event log, {@code Vec<RuntimeEvent>}, 64 bytes of
 *       report data, the VM config string. What dstack 0.5.11's agent returns on TDX.</li>
 *   <li><b>V1</b>, MessagePack map ({@code rmp_serde::to_vec_named}):
 *       {@code {version: 1, platform: {kind: "tdx", data: {quote, event_log}},
 *       stack: {kind: "dstack", data: {report_data, runtime_events, config}}}}, where {@code quote} and
 *       {@code report_data} are arrays of integers and event digests and payloads are binary. What
 *       dstack 0.6's {@code /v1/Attest} returns.</li>
 * </ul>
 * Decoding is strict: the wrong kind, a report data that is not 64 bytes, a truncated or over-long
 * value, or bytes after the document are refused.
 *
 * @param quote         the TDX quote bytes
 * @param eventLog      the complete event log (RTMR0–3) with digests and payloads
 * @param runtimeEvents the RTMR3 runtime events, in order
 * @param reportData    the 64 bytes of report data the quote binds
 * @param vmConfig      the VM config JSON text
 */
public record VersionedAttestation(byte[] quote, List<EventLogEntry> eventLog, List<RuntimeEvent> runtimeEvents,
        byte[] reportData, String vmConfig) {

    /** Largest document decoded, as dstack's own cap: 10 MiB. */
    public static final int MAX_BYTES = 10 * 1024 * 1024;

    /** The wire form of an encoded document. */
    public enum Form { V0_SCALE, V1_MSGPACK }

    /**
     * One runtime event: name and payload, as dstack's {@code RuntimeEvent}.
     *
     * @param event   event name
     * @param payload payload bytes
     */
    public record RuntimeEvent(String event, byte[] payload) {
        public RuntimeEvent {
            payload = payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RuntimeEvent r && r.event.equals(event) && Arrays.equals(r.payload, payload);
        }

        @Override
        public int hashCode() {
            return event.hashCode() * 31 + Arrays.hashCode(payload);
        }
    }

    public VersionedAttestation {
        if (reportData.length != 64) {
            throw new IllegalArgumentException("report data must be 64 bytes, got " + reportData.length);
        }
        quote = quote.clone();
        reportData = reportData.clone();
        eventLog = List.copyOf(eventLog);
        runtimeEvents = List.copyOf(runtimeEvents);
    }

    /** The RTMR3 runtime events of a complete event log, in order. */
    public static List<RuntimeEvent> runtimeEventsOf(List<EventLogEntry> eventLog) {
        return eventLog.stream().filter(e -> e.imr() == 3).map(e -> new RuntimeEvent(e.event(), e.payloadBytes())).toList();
    }

    @Override
    public byte[] quote() {
        return quote.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    /** Encodes in the given form. */
    public byte[] encode(Form form) {
        return form == Form.V0_SCALE ? toScale() : toMsgpack();
    }

    /** The V0 (SCALE) form. */
    public byte[] toScale() {
        Scale.Writer w = new Scale.Writer().u8(0).u8(0).vec(quote).compact(eventLog.size());
        for (EventLogEntry e : eventLog) {
            w.u32(e.imr()).u32(e.eventType()).vec(hex(e.digest())).str(e.event()).vec(hex(e.eventPayload()));
        }
        w.compact(runtimeEvents.size());
        for (RuntimeEvent e : runtimeEvents) {
            w.str(e.event()).vec(e.payload);
        }
        return w.fixed(reportData).str(vmConfig).toByteArray();
    }

    /** The V1 (MessagePack) form. */
    public byte[] toMsgpack() {
        MsgPack.Writer w = new MsgPack.Writer().map(3);
        w.str("version").uint(1);
        w.str("platform").map(2).str("kind").str("tdx").str("data").map(2);
        w.str("quote").byteArray(quote);
        w.str("event_log").array(eventLog.size());
        for (EventLogEntry e : eventLog) {
            w.map(5).str("imr").uint(e.imr()).str("event_type").uint(e.eventType()).str("digest").bin(hex(e.digest()))
                    .str("event").str(e.event()).str("event_payload").bin(hex(e.eventPayload()));
        }
        w.str("stack").map(2).str("kind").str("dstack").str("data").map(3);
        w.str("report_data").byteArray(reportData);
        w.str("runtime_events").array(runtimeEvents.size());
        for (RuntimeEvent e : runtimeEvents) {
            w.map(2).str("event").str(e.event()).str("payload").bin(e.payload);
        }
        w.str("config").str(vmConfig);
        return w.toByteArray();
    }

    /** The form of encoded bytes, from the first byte. */
    public static Form formOf(byte[] bytes) throws AttestationFormatException {
        if (bytes.length == 0) throw new AttestationFormatException("attestation is empty");
        int first = bytes[0] & 0xff;
        if (first == 0x00) return Form.V0_SCALE;
        if (first >= 0x80 && first <= 0x8f || first == 0xde || first == 0xdf) return Form.V1_MSGPACK;
        throw new AttestationFormatException(String.format("unknown attestation wire format (first byte 0x%02x; "
                + "expected 0x00 for SCALE or a MessagePack map)", first));
    }

    /**
     * Decodes either form.
     *
     * @throws AttestationFormatException naming the first thing that does not match the format
     */
    public static VersionedAttestation decode(byte[] bytes) throws AttestationFormatException {
        if (bytes.length > MAX_BYTES) {
            throw new AttestationFormatException("attestation is " + bytes.length + " bytes, over the " + MAX_BYTES + " cap");
        }
        return formOf(bytes) == Form.V0_SCALE ? fromScale(bytes) : fromMsgpack(bytes);
    }

    private static VersionedAttestation fromScale(byte[] bytes) throws AttestationFormatException {
        ByteReader r = new ByteReader(bytes);
        r.u8();
        int kind = r.u8();
        if (kind != 0) {
            throw new AttestationFormatException("attestation is not for TDX (quote kind " + kind + "); only dstack-tdx is read");
        }
        byte[] quote = Scale.vec(r);
        long n = Scale.compact(r);
        List<EventLogEntry> log = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            long imr = r.le(4);
            long type = r.le(4);
            byte[] digest = Scale.vec(r);
            String event = Scale.str(r);
            byte[] payload = Scale.vec(r);
            log.add(entry(imr, type, digest, eventName(event, "event log entry " + i), payload));
        }
        long m = Scale.compact(r);
        List<RuntimeEvent> runtime = new ArrayList<>();
        for (long i = 0; i < m; i++) {
            runtime.add(new RuntimeEvent(eventName(Scale.str(r), "runtime event " + i), Scale.vec(r)));
        }
        byte[] reportData = r.bytes(64);
        String config = Scale.str(r);
        if (!r.atEnd()) {
            throw new AttestationFormatException("SCALE attestation ends at byte " + r.position() + " of " + bytes.length);
        }
        return new VersionedAttestation(quote, log, runtime, reportData, config);
    }

    private static VersionedAttestation fromMsgpack(byte[] bytes) throws AttestationFormatException {
        Map<String, Object> root = map(MsgPack.read(bytes), "attestation");
        long version = number(root.get("version"), "version");
        if (version != 1) throw new AttestationFormatException("unsupported attestation version " + version + " (expected 1)");
        Map<String, Object> platform = map(root.get("platform"), "platform");
        if (!"tdx".equals(platform.get("kind"))) {
            throw new AttestationFormatException("platform.kind is " + platform.get("kind") + "; only tdx is read");
        }
        Map<String, Object> pdata = map(platform.get("data"), "platform.data");
        Map<String, Object> stack = map(root.get("stack"), "stack");
        if (!"dstack".equals(stack.get("kind")) && !"dstack-pod".equals(stack.get("kind"))) {
            throw new AttestationFormatException("stack.kind is " + stack.get("kind") + "; expected dstack");
        }
        Map<String, Object> sdata = map(stack.get("data"), "stack.data");
        List<EventLogEntry> log = new ArrayList<>();
        for (Object o : list(pdata.get("event_log"), "platform.data.event_log")) {
            Map<String, Object> e = map(o, "event_log entry");
            log.add(entry(number(e.get("imr"), "imr"), number(e.get("event_type"), "event_type"),
                    e.get("digest") == null ? new byte[0] : bytes(e.get("digest"), "digest"),
                    eventName(string(e.get("event"), "event"), "platform.data.event_log[" + log.size() + "]"),
                    bytes(e.get("event_payload"), "event_payload")));
        }
        List<RuntimeEvent> runtime = new ArrayList<>();
        for (Object o : list(sdata.get("runtime_events"), "stack.data.runtime_events")) {
            Map<String, Object> e = map(o, "runtime event");
            runtime.add(new RuntimeEvent(eventName(string(e.get("event"), "event"), "stack.data.runtime_events[" + runtime.size() + "]"),
                    bytes(e.get("payload"), "payload")));
        }
        byte[] reportData = bytes(sdata.get("report_data"), "stack.data.report_data");
        if (reportData.length != 64) {
            throw new AttestationFormatException("stack.data.report_data must be 64 bytes, got " + reportData.length);
        }
        return new VersionedAttestation(bytes(pdata.get("quote"), "platform.data.quote"), log, runtime, reportData,
                string(sdata.get("config"), "stack.data.config"));
    }

    /**
     * Refuses an event name with a control, format or line-separator character or a lone surrogate, as
     * {@link org.dstack4j.sdk.EventLog} does: no dstack event name holds one, such a name could forge printed
     * output, and a lone surrogate hashes as '?' so two names would share a digest.
     */
    private static String eventName(String name, String where) throws AttestationFormatException {
        if (TerminalText.hasUnprintable(name)) {
            throw new AttestationFormatException(where + ".event holds a control, format or line-separator character"
                    + " or a lone surrogate; such names are refused");
        }
        return name;
    }

    private static EventLogEntry entry(long imr, long type, byte[] digest, String event, byte[] payload)
            throws AttestationFormatException {
        if (imr > 3) throw new AttestationFormatException("event log entry has imr " + imr + " (0..3)");
        return new EventLogEntry((int) imr, type, Hex.encode(digest), event, Hex.encode(payload));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) throws AttestationFormatException {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new AttestationFormatException(what + " must be a map");
    }

    private static List<?> list(Object o, String what) throws AttestationFormatException {
        if (o instanceof List<?> l) return l;
        throw new AttestationFormatException(what + " must be an array");
    }

    private static long number(Object o, String what) throws AttestationFormatException {
        if (o instanceof Long l && l <= 0xffffffffL) return l;
        throw new AttestationFormatException(what + " must be an unsigned 32-bit integer");
    }

    private static String string(Object o, String what) throws AttestationFormatException {
        if (o instanceof String s) return s;
        throw new AttestationFormatException(what + " must be a string");
    }

    /** Binary, or an array of integers 0..255 (serde's plain {@code Vec<u8>}). */
    private static byte[] bytes(Object o, String what) throws AttestationFormatException {
        if (o instanceof byte[] b) return b;
        if (o instanceof List<?> l) {
            byte[] out = new byte[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Long v) || v > 255) {
                    throw new AttestationFormatException(what + " must be bytes (integers 0..255)");
                }
                out[i] = (byte) (long) v;
            }
            return out;
        }
        throw new AttestationFormatException(what + " must be bytes");
    }

    private static byte[] hex(String s) {
        return s == null || s.isEmpty() ? new byte[0] : Hex.decode(s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionedAttestation a && Arrays.equals(a.quote, quote) && a.eventLog.equals(eventLog)
                && a.runtimeEvents.equals(runtimeEvents) && Arrays.equals(a.reportData, reportData)
                && a.vmConfig.equals(vmConfig);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(quote) * 31 + Arrays.hashCode(reportData);
    }

    @Override
    public String toString() {
        return "VersionedAttestation[quote=" + quote.length + " bytes, events=" + eventLog.size() + ", reportData="
                + Hex.encode(reportData) + "]";
    }
}
