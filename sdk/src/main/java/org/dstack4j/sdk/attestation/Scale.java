package org.dstack4j.sdk.attestation;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The SCALE codec subset of dstack's legacy attestation ({@code parity-scale-codec}): compact
 * lengths, length-prefixed byte vectors and strings, little-endian {@code u32}, one-byte enum indices.
 */
final class Scale {
    private Scale() {}

    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

        Writer u8(int v) {
            out.write(v);
            return this;
        }

        Writer u32(long v) {
            for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)) & 0xff);
            return this;
        }

        /** SCALE compact integer (the length prefix of every vector). */
        Writer compact(long n) {
            if (n < 1 << 6) out.write((int) (n << 2));
            else if (n < 1 << 14) {
                long v = (n << 2) | 1;
                out.write((int) v & 0xff);
                out.write((int) (v >>> 8) & 0xff);
            } else if (n < 1 << 30) {
                u32((n << 2) | 2);
            } else {
                out.write(0b11); // then 4 little-endian bytes
                u32(n);
            }
            return this;
        }

        Writer vec(byte[] b) {
            compact(b.length);
            out.writeBytes(b);
            return this;
        }

        Writer fixed(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Writer str(String s) {
            return vec(s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /** Reads a compact integer; only values that fit a Java int are accepted (lengths). */
    static long compact(ByteReader r) throws AttestationFormatException {
        int at = r.position();
        int first = r.u8();
        long v = switch (first & 0b11) {
            case 0 -> first >>> 2;
            case 1 -> (first | r.le(1) << 8) >>> 2;
            case 2 -> (first | r.le(3) << 8) >>> 2;
            default -> {
                int n = (first >>> 2) + 4;
                if (n > 4) throw new AttestationFormatException("SCALE length at byte " + at + " is too large");
                yield r.le(n);
            }
        };
        if (v > Integer.MAX_VALUE) throw new AttestationFormatException("SCALE length at byte " + at + " is too large");
        return v;
    }

    static byte[] vec(ByteReader r) throws AttestationFormatException {
        return r.bytes(compact(r));
    }

    static String str(ByteReader r) throws AttestationFormatException {
        return r.utf8(compact(r));
    }
}
