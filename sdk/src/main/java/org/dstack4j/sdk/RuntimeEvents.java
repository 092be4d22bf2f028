package org.dstack4j.sdk;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * dstack runtime event digests and RTMR replay (docs/guest-api.md "RTMR3 semantics", checked
 * against real MPC attestations).
 */
public final class RuntimeEvents {
    /** 0x08000001, the event type of dstack runtime events. */
    public static final long DSTACK_RUNTIME_EVENT_TYPE = 0x08000001L;
    /** An RTMR is a 48-byte SHA-384 register. */
    public static final int RTMR_SIZE = 48;

    private RuntimeEvents() {}

    /** {@code SHA-384(u32_le(eventType) ‖ ":" ‖ utf8(event) ‖ ":" ‖ payload)}, 48 bytes. */
    public static byte[] digest(long eventType, String event, byte[] payload) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(8 + event.length() + payload.length);
        buf.write((int) (eventType & 0xff));
        buf.write((int) ((eventType >>> 8) & 0xff));
        buf.write((int) ((eventType >>> 16) & 0xff));
        buf.write((int) ((eventType >>> 24) & 0xff));
        buf.write(':');
        buf.writeBytes(event.getBytes(StandardCharsets.UTF_8));
        buf.write(':');
        buf.writeBytes(payload);
        return sha384().digest(buf.toByteArray());
    }

    /** {@code SHA-384(rtmr ‖ digest)}: one extension of a 48-byte register by a 48-byte digest. */
    public static byte[] extend(byte[] rtmr, byte[] digest) {
        if (rtmr.length != RTMR_SIZE || digest.length != RTMR_SIZE) {
            throw new IllegalArgumentException("RTMR and digest must be 48 bytes");
        }
        MessageDigest sha = sha384();
        sha.update(rtmr);
        sha.update(digest);
        return sha.digest();
    }

    /**
     * Replays the entries of register {@code imr} from 48 zero bytes, recomputing each runtime
     * event's digest from its name and payload (the logged digest is not trusted).
     *
     * @return the 48-byte register value
     * @throws IllegalArgumentException if a payload is not hex
     */
    public static byte[] replay(List<EventLogEntry> log, int imr) {
        byte[] rtmr = new byte[RTMR_SIZE];
        for (EventLogEntry e : log) {
            if (e.imr() != imr) continue;
            byte[] digest = e.eventType() == DSTACK_RUNTIME_EVENT_TYPE
                    ? digest(e.eventType(), e.event(), e.payloadBytes())
                    : Hex.decode(e.digest());
            rtmr = extend(rtmr, digest);
        }
        return rtmr;
    }

    /** Constant-time comparison of two register values. */
    public static boolean sameRegister(byte[] a, byte[] b) {
        return a.length == b.length && MessageDigest.isEqual(a, b);
    }

    static MessageDigest sha384() {
        try {
            return MessageDigest.getInstance("SHA-384");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-384 is mandatory in every JDK", e);
        }
    }

}
