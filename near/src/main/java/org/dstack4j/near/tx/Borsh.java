package org.dstack4j.near.tx;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The subset of borsh (borsh.io) a NEAR transaction needs: little-endian fixed-width integers, u32-length-prefixed
 * strings and byte vectors, fixed byte arrays. Not thread-safe; one writer per encoding.
 */
public final class Borsh {
    private static final BigInteger U128_LIMIT = BigInteger.ONE.shiftLeft(128);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Borsh u8(int v) {
        if (v < 0 || v > 0xff) throw new IllegalArgumentException("u8 out of range: " + v);
        out.write(v);
        return this;
    }

    public Borsh u32(long v) {
        if (v < 0 || v > 0xffffffffL) throw new IllegalArgumentException("u32 out of range: " + v);
        return littleEndian(v, 4);
    }

    /** An unsigned 64-bit integer; {@code v} is read as unsigned (Java's long holds every u64 bit pattern). */
    public Borsh u64(long v) {
        return littleEndian(v, 8);
    }

    /** An unsigned 128-bit integer (yoctoNEAR amounts). */
    public Borsh u128(BigInteger v) {
        if (v.signum() < 0 || v.compareTo(U128_LIMIT) >= 0) throw new IllegalArgumentException("u128 out of range: " + v);
        byte[] be = v.toByteArray();
        byte[] le = new byte[16];
        for (int i = 0; i < 16 && i < be.length; i++) le[i] = be[be.length - 1 - i];
        out.writeBytes(le);
        return this;
    }

    /** A string: u32 byte length, then its UTF-8 bytes. */
    public Borsh string(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code Vec<u8>}: u32 length, then the bytes. */
    public Borsh bytes(byte[] b) {
        u32(b.length);
        out.writeBytes(b);
        return this;
    }

    /** A fixed-size array {@code [u8; N]}: the bytes alone, no length. */
    public Borsh fixed(byte[] b, int n) {
        if (b.length != n) throw new IllegalArgumentException("expected " + n + " bytes, got " + b.length);
        out.writeBytes(b);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private Borsh littleEndian(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
        return this;
    }
}
