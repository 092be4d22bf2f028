package org.dstack4j.measure.tdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/** EFI GUIDs in their in-memory layout: the first three fields little-endian, the last eight bytes as written. */
final class Guids {
    private Guids() {}

    static byte[] bytes(UUID guid) {
        long hi = guid.getMostSignificantBits();
        ByteBuffer b = ByteBuffer.allocate(16);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt((int) (hi >>> 32)).putShort((short) (hi >>> 16)).putShort((short) hi);
        b.order(ByteOrder.BIG_ENDIAN).putLong(guid.getLeastSignificantBits());
        return b.array();
    }
}
