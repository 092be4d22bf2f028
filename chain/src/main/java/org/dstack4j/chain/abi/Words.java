package org.dstack4j.chain.abi;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;

/**
 * 32-byte ABI words for the static types, and {@code abi.encode} of static-only tuples (which is the
 * concatenation of their words). Dynamic types go through headlong ({@link org.dstack4j.chain.abi.Abi}).
 */
public final class Words {
    private Words() {}

    /** {@code uint256} word. */
    public static byte[] uint256(BigInteger v) {
        return Hex.word(v);
    }

    /** {@code uintN} word of a non-negative long. */
    public static byte[] uint256(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("a uint is never negative: " + v);
        }
        return Hex.word(BigInteger.valueOf(v));
    }

    /** {@code address} word. */
    public static byte[] address(Address a) {
        return a.word();
    }

    /** {@code bytes32} word (exactly 32 bytes, copied). */
    public static byte[] bytes32(byte[] b) {
        if (b == null || b.length != 32) {
            throw new IllegalArgumentException("a bytes32 is 32 bytes, got " + (b == null ? "null" : b.length));
        }
        return b.clone();
    }

    /** {@code abi.encode(words...)} for static types: the words concatenated (each must be 32 bytes). */
    public static byte[] encode(byte[]... words) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * words.length);
        for (byte[] w : words) {
            if (w.length != 32) {
                throw new IllegalArgumentException("an ABI word is 32 bytes, got " + w.length);
            }
            out.writeBytes(w);
        }
        return out.toByteArray();
    }
}
