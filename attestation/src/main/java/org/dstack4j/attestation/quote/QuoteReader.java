package org.dstack4j.attestation.quote;

/**
 * A bounds-checked little-endian cursor over quote bytes. Every read checks the remaining length
 * first, so a lying length field becomes a {@link QuoteFormatException}, never an exception or a huge allocation.
 */
final class QuoteReader {
    private final byte[] buf;
    private final int end;
    private int pos;

    QuoteReader(byte[] buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    private void need(long n, String field) throws QuoteFormatException {
        if (n > remaining()) {
            throw new QuoteFormatException("quote truncated: " + field + " needs " + n + " bytes, "
                    + remaining() + " remain", pos);
        }
    }

    int u16(String field) throws QuoteFormatException {
        need(2, field);
        int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    long u32(String field) throws QuoteFormatException {
        need(4, field);
        long v = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8 | (buf[pos + 2] & 0xffL) << 16 | (buf[pos + 3] & 0xffL) << 24;
        pos += 4;
        return v;
    }

    byte[] bytes(long n, String field) throws QuoteFormatException {
        need(n, field);
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    /** A copy of the remaining bytes, without advancing. */
    byte[] peekRest() {
        return java.util.Arrays.copyOfRange(buf, pos, end);
    }

    /** A reader over the next {@code n} bytes, advancing this one past them. */
    QuoteReader slice(long n, String field) throws QuoteFormatException {
        need(n, field);
        QuoteReader sub = new QuoteReader(buf, pos, pos + (int) n);
        pos += (int) n;
        return sub;
    }
}
