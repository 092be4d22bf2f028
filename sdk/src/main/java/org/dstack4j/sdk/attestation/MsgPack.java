package org.dstack4j.sdk.attestation;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MessagePack subset the attestation document uses (maps with string keys, arrays, strings, binary,
 * unsigned integers, booleans, nil). Writing follows {@code rmp_serde::to_vec_named}: the smallest
 * encoding of each value. Reading turns the bytes into {@code Map<String,Object>}, {@code List<Object>},
 * {@code Long}, {@code String}, {@code byte[]}, {@code Boolean} or {@code null}.
 */
final class MsgPack {
    /** Deepest nesting read; the document needs 5. */
    static final int MAX_DEPTH = 16;
    /**
     * Most array elements and map entries in one document, all containers together: a real attestation has a few
     * thousand, and each element costs an object, so a document of many empty containers must not reach the heap.
     */
    static final int MAX_ELEMENTS = 1 << 20;

    private MsgPack() {}

    /** Appends MessagePack values to a buffer. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

        Writer map(int entries) {
            if (entries < 16) out.write(0x80 | entries);
            else header(0xde, 0xdf, entries);
            return this;
        }

        Writer array(int items) {
            if (items < 16) out.write(0x90 | items);
            else header(0xdc, 0xdd, items);
            return this;
        }

        Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length < 32) out.write(0xa0 | b.length);
            else if (b.length < 256) {
                out.write(0xd9);
                out.write(b.length);
            } else header(0xda, 0xdb, b.length);
            out.writeBytes(b);
            return this;
        }

        Writer bin(byte[] b) {
            if (b.length < 256) {
                out.write(0xc4);
                out.write(b.length);
            } else header(0xc5, 0xc6, b.length);
            out.writeBytes(b);
            return this;
        }

        /** A byte vector as serde writes {@code Vec<u8>} without a bytes adapter: an array of integers. */
        Writer byteArray(byte[] b) {
            array(b.length);
            for (byte x : b) uint(x & 0xff);
            return this;
        }

        Writer uint(long v) {
            if (v < 0) throw new IllegalArgumentException("negative");
            if (v < 128) out.write((int) v);
            else if (v < 256) {
                out.write(0xcc);
                out.write((int) v);
            } else if (v < 65536) {
                out.write(0xcd);
                be(v, 2);
            } else if (v < 1L << 32) {
                out.write(0xce);
                be(v, 4);
            } else {
                out.write(0xcf);
                be(v, 8);
            }
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }

        private void header(int b16, int b32, int n) {
            if (n < 65536) {
                out.write(b16);
                be(n, 2);
            } else {
                out.write(b32);
                be(n, 4);
            }
        }

        private void be(long v, int n) {
            for (int i = n - 1; i >= 0; i--) out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    /** Reads exactly one value from {@code data}; trailing bytes are an error. */
    static Object read(byte[] data) throws AttestationFormatException {
        ByteReader r = new ByteReader(data);
        Object v = value(r, 0, new int[1]);
        if (!r.atEnd()) {
            throw new AttestationFormatException("MessagePack value ends at byte " + r.position() + " of " + data.length);
        }
        return v;
    }

    /** One value; {@code elements[0]} counts the array elements and map entries read so far. */
    private static Object value(ByteReader r, int depth, int[] elements) throws AttestationFormatException {
        if (depth > MAX_DEPTH) throw new AttestationFormatException("MessagePack nested deeper than " + MAX_DEPTH);
        int at = r.position();
        int b = r.u8();
        if (b <= 0x7f) return (long) b;
        if (b >= 0x80 && b <= 0x8f) return map(r, b & 0x0f, depth, elements);
        if (b >= 0x90 && b <= 0x9f) return array(r, b & 0x0f, depth, elements);
        if (b >= 0xa0 && b <= 0xbf) return r.utf8(b & 0x1f);
        return switch (b) {
            case 0xc0 -> null;
            case 0xc2 -> Boolean.FALSE;
            case 0xc3 -> Boolean.TRUE;
            case 0xc4 -> r.bytes(r.be(1));
            case 0xc5 -> r.bytes(r.be(2));
            case 0xc6 -> r.bytes(r.be(4));
            case 0xcc -> r.be(1);
            case 0xcd -> r.be(2);
            case 0xce -> r.be(4);
            case 0xcf -> r.be(8);
            case 0xd9 -> r.utf8(r.be(1));
            case 0xda -> r.utf8(r.be(2));
            case 0xdb -> r.utf8(r.be(4));
            case 0xdc -> array(r, r.be(2), depth, elements);
            case 0xdd -> array(r, r.be(4), depth, elements);
            case 0xde -> map(r, r.be(2), depth, elements);
            case 0xdf -> map(r, r.be(4), depth, elements);
            default -> throw new AttestationFormatException(String.format(
                    "MessagePack type 0x%02x at byte %d is not used by the attestation document", b, at));
        };
    }

    private static List<Object> array(ByteReader r, long n, int depth, int[] elements) throws AttestationFormatException {
        count(r, n, 1, elements);
        List<Object> out = new ArrayList<>((int) Math.min(n, 1024));
        for (long i = 0; i < n; i++) out.add(value(r, depth + 1, elements));
        return out;
    }

    private static Map<String, Object> map(ByteReader r, long n, int depth, int[] elements) throws AttestationFormatException {
        count(r, n, 2, elements);
        Map<String, Object> out = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
            int at = r.position();
            if (!(value(r, depth + 1, elements) instanceof String key)) {
                throw new AttestationFormatException("MessagePack map key at byte " + at + " is not a string");
            }
            if (out.put(key, value(r, depth + 1, elements)) != null || out.size() != i + 1) {
                throw new AttestationFormatException("MessagePack map repeats key " + key);
            }
        }
        return out;
    }

    /**
     * Refuses a container before reading it when its declared count cannot fit: each element takes at least one byte
     * ({@code bytesEach} for a map entry: key and value), and all containers together at most {@link #MAX_ELEMENTS}.
     */
    private static void count(ByteReader r, long n, int bytesEach, int[] elements) throws AttestationFormatException {
        if (n > r.remaining() / bytesEach) {
            throw new AttestationFormatException("MessagePack " + (bytesEach == 1 ? "array" : "map") + " before byte " + r.position()
                    + " declares " + n + " elements, more than its " + r.remaining() + " remaining bytes can hold");
        }
        if (n > MAX_ELEMENTS - elements[0]) {
            throw new AttestationFormatException("MessagePack document has more than " + MAX_ELEMENTS + " array elements and map entries");
        }
        elements[0] += (int) n;
    }
}
