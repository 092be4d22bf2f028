package org.dstack4j.cluster.binding;

import com.esaulpaugh.headlong.abi.Tuple;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.sdk.Utf8;

/**
 * What a newcomer (or the genesis node) posts with its request: {@code abi.encode(bytes quote, string eventLog,
 * string appCompose)} (docs/cluster-protocol.md "Evidence"). The contract stores {@code keccak256} of the exact
 * encoding; {@link #decode} accepts only the canonical encoding (re-encoding gives the same bytes), so one hash
 * has one meaning.
 *
 * @param quote      the TDX quote (v4/v5), at most {@value #MAX_QUOTE_BYTES} bytes
 * @param eventLog   the event log as the guest agent returns it (JSON array), at most {@value #MAX_EVENT_LOG_BYTES} bytes UTF-8
 * @param appCompose the app-compose JSON text, at most {@value #MAX_APP_COMPOSE_BYTES} bytes UTF-8
 */
public record Evidence(byte[] quote, String eventLog, String appCompose) {
    /** Largest quote accepted (real TDX quotes with their PCK chain are ~5 KiB). */
    public static final int MAX_QUOTE_BYTES = 16 * 1024;
    /** Largest event log accepted. */
    public static final int MAX_EVENT_LOG_BYTES = 96 * 1024;
    /** Largest app-compose accepted. */
    public static final int MAX_APP_COMPOSE_BYTES = 32 * 1024;
    /** Largest encoding accepted: the contract's {@code MAX_EVIDENCE} (it refuses more with {@code EvidenceTooLarge}). */
    public static final int MAX_ENCODED_BYTES = 131072;

    private static final String TYPES = "(bytes,bytes,bytes)"; // string and bytes encode alike; UTF-8 is checked here, strictly

    public Evidence {
        Objects.requireNonNull(quote, "quote");
        Objects.requireNonNull(eventLog, "eventLog");
        Objects.requireNonNull(appCompose, "appCompose");
        quote = quote.clone();
        cap("quote", quote.length, MAX_QUOTE_BYTES);
        cap("eventLog", eventLog.getBytes(StandardCharsets.UTF_8).length, MAX_EVENT_LOG_BYTES);
        int log = eventLog.getBytes(StandardCharsets.UTF_8).length;
        int compose = appCompose.getBytes(StandardCharsets.UTF_8).length;
        cap("appCompose", compose, MAX_APP_COMPOSE_BYTES);
        cap("encoding", 6 * 32 + padded(quote.length) + padded(log) + padded(compose), MAX_ENCODED_BYTES);
    }

    private static int padded(int n) {
        return (n + 31) / 32 * 32;
    }

    private static void cap(String what, int size, int max) {
        if (size > max) throw new IllegalArgumentException("evidence " + what + " is " + size + " bytes, more than the " + max + " allowed");
    }

    @Override
    public byte[] quote() {
        return quote.clone();
    }

    /** The calldata bytes: {@code abi.encode(bytes, string, string)}. */
    public byte[] encode() {
        return Abi.encode(TYPES, quote, eventLog.getBytes(StandardCharsets.UTF_8), appCompose.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code keccak256(encode())}: the contract's {@code evidenceHash} and the HPKE aad. */
    public byte[] hash() {
        return Keccak.keccak256(encode());
    }

    /**
     * Reads evidence bytes from a chain event.
     *
     * @throws EvidenceFormatException naming what is wrong: too large, not the ABI layout, not canonical, not UTF-8, a part too large
     */
    public static Evidence decode(byte[] encoded) throws EvidenceFormatException {
        if (encoded.length > MAX_ENCODED_BYTES) {
            throw new EvidenceFormatException("evidence is " + encoded.length + " bytes, more than the " + MAX_ENCODED_BYTES + " allowed");
        }
        Tuple t;
        try {
            t = Abi.decode(TYPES, encoded);
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new EvidenceFormatException("evidence is not abi.encode(bytes quote, string eventLog, string appCompose): " + e.getMessage());
        }
        Evidence ev;
        try {
            ev = new Evidence(t.get(0), Utf8.decodeStrict(t.get(1)), Utf8.decodeStrict(t.get(2)));
        } catch (CharacterCodingException e) {
            throw new EvidenceFormatException("evidence eventLog or appCompose is not valid UTF-8");
        } catch (IllegalArgumentException e) {
            throw new EvidenceFormatException(e.getMessage());
        }
        if (!MessageDigest.isEqual(ev.encode(), encoded)) {
            throw new EvidenceFormatException("evidence is not in canonical ABI encoding (offsets, padding or trailing bytes differ)");
        }
        return ev;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evidence e && Arrays.equals(quote, e.quote) && eventLog.equals(e.eventLog) && appCompose.equals(e.appCompose);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(quote), eventLog, appCompose);
    }

    @Override
    public String toString() {
        return "Evidence[quote=" + quote.length + " bytes, eventLog=" + eventLog.length() + " chars, appCompose=" + appCompose.length() + " chars]";
    }
}
