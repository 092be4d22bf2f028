package org.dstack4j.chain.abi;

import com.esaulpaugh.headlong.abi.Tuple;
import com.esaulpaugh.headlong.abi.TupleType;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import org.dstack4j.chain.Address;

/**
 * {@code abi.encode}/{@code abi.decode} of any tuple through headlong, with conversions between
 * headlong's value types and ours ({@link Address}).
 */
public final class Abi {
    private Abi() {}

    /**
     * {@code abi.encode(values...)} for the tuple type {@code types}, e.g. {@code "(bytes,string,string)"}.
     * Values are headlong's: {@link BigInteger}/long/int for ints, {@code byte[]} for bytes and bytesN,
     * {@link String}, {@link com.esaulpaugh.headlong.abi.Address} (see {@link #headlong(Address)}).
     *
     * @throws IllegalArgumentException when a value does not fit its type
     */
    public static byte[] encode(String types, Object... values) {
        TupleType<Tuple> tt = TupleType.parse(types);
        ByteBuffer bb = tt.encode(Tuple.from(values));
        return bb.array();
    }

    /**
     * Decodes {@code abi.encode} output of tuple type {@code types}.
     *
     * @throws IllegalArgumentException when {@code data} is not a valid encoding (headlong is strict:
     *     padding, offsets and lengths are checked)
     */
    public static Tuple decode(String types, byte[] data) {
        return TupleType.parse(types).decode(data);
    }

    /** Our address as headlong's. */
    public static com.esaulpaugh.headlong.abi.Address headlong(Address a) {
        return com.esaulpaugh.headlong.abi.Address.wrap(a.toString());
    }

    /** headlong's address as ours. */
    public static Address address(com.esaulpaugh.headlong.abi.Address a) {
        BigInteger v = a.value();
        byte[] raw = v.toByteArray();
        byte[] out = new byte[20];
        int n = Math.min(raw.length, 20);
        System.arraycopy(raw, raw.length - n, out, 20 - n, n);
        return new Address(out);
    }
}
