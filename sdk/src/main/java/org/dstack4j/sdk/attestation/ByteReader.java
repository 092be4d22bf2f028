package org.dstack4j.sdk.attestation;

import java.nio.charset.CharacterCodingException;
import org.dstack4j.sdk.Utf8;

/** Bounds-checked sequential reads over a byte array; every overrun is an {@link AttestationFormatException}. */
final class ByteReader {
    private final byte[] data;
    private int pos;

    ByteReader(byte[] data) {
        this.data = data;
    }

    int position() {
        return pos;
    }

    /** Bytes not read yet. */
    int remaining() {
        return data.length - pos;
    }

    boolean atEnd() {
        return pos == data.length;
    }

    int u8() throws AttestationFormatException {
        need(1);
        return data[pos++] & 0xff;
    }

    /** {@code n} bytes big-endian as an unsigned value (n ≤ 8; 8-byte values above 2^63 are refused). */
    long be(int n) throws AttestationFormatException {
        need(n);
        long v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | (data[pos++] & 0xff);
        if (v < 0) throw new AttestationFormatException("integer at byte " + (pos - n) + " is too large");
        return v;
    }

    /** {@code n} bytes little-endian as an unsigned value (n ≤ 7). */
    long le(int n) throws AttestationFormatException {
        need(n);
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (data[pos++] & 0xff) << (8 * i);
        return v;
    }

    byte[] bytes(long n) throws AttestationFormatException {
        if (n < 0 || n > data.length - pos) {
            throw new AttestationFormatException("length " + n + " at byte " + pos + " runs past the end ("
                    + data.length + " bytes)");
        }
        byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    String utf8(long n) throws AttestationFormatException {
        int at = pos;
        try {
            return Utf8.decodeStrict(bytes(n));
        } catch (CharacterCodingException e) {
            throw new AttestationFormatException("string at byte " + at + " is not valid UTF-8");
        }
    }

    private void need(int n) throws AttestationFormatException {
        if (data.length - pos < n) {
            throw new AttestationFormatException("truncated at byte " + pos + " (" + data.length + " bytes)");
        }
    }
}
