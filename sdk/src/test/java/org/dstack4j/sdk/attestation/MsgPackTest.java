package org.dstack4j.sdk.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Element counts: a declared count is checked against the bytes left and a document-wide cap before any element is read. */
class MsgPackTest {
    @Test
    void aTinyInputDeclaringTwoToThe32ElementsIsRefusedBeforeReadingThem() {
        // array32 / map32 of 0xffffffff elements, then one element
        assertThatThrownBy(() -> MsgPack.read(new byte[] {(byte) 0xdd, -1, -1, -1, -1, 0}))
                .isInstanceOf(AttestationFormatException.class)
                .hasMessageContaining("array before byte 5 declares 4294967295 elements, more than its 1 remaining bytes");
        assertThatThrownBy(() -> MsgPack.read(new byte[] {(byte) 0xdf, -1, -1, -1, -1, (byte) 0xa0, 0}))
                .isInstanceOf(AttestationFormatException.class)
                .hasMessageContaining("map before byte 5 declares 4294967295 elements");
        // a map entry is at least two bytes
        assertThatThrownBy(() -> MsgPack.read(new byte[] {(byte) 0x82, (byte) 0xa0, 0, 0}))
                .isInstanceOf(AttestationFormatException.class).hasMessageContaining("declares 2 elements");
    }

    @Test
    void allContainersTogetherHoldAtMostTheCap() throws Exception {
        // one array of MAX_ELEMENTS + 1 zeros: each fits its bytes, the total does not
        int n = MsgPack.MAX_ELEMENTS + 1;
        byte[] doc = new byte[5 + n];
        doc[0] = (byte) 0xdd;
        doc[1] = (byte) (n >>> 24);
        doc[2] = (byte) (n >>> 16);
        doc[3] = (byte) (n >>> 8);
        doc[4] = (byte) n;
        assertThatThrownBy(() -> MsgPack.read(doc)).isInstanceOf(AttestationFormatException.class)
                .hasMessageContaining("more than " + MsgPack.MAX_ELEMENTS + " array elements and map entries");

        // split over two arrays: the count is document-wide
        int half = MsgPack.MAX_ELEMENTS / 2 + 1;
        byte[] two = new byte[1 + 2 * (5 + half)];
        two[0] = (byte) 0x92;
        for (int k = 0, at = 1; k < 2; k++, at += 5 + half) {
            two[at] = (byte) 0xdd;
            two[at + 1] = (byte) (half >>> 24);
            two[at + 2] = (byte) (half >>> 16);
            two[at + 3] = (byte) (half >>> 8);
            two[at + 4] = (byte) half;
        }
        assertThatThrownBy(() -> MsgPack.read(two)).hasMessageContaining("more than " + MsgPack.MAX_ELEMENTS);

        // at the cap exactly, it reads
        byte[] ok = Arrays.copyOf(doc, doc.length - 1);
        int m = MsgPack.MAX_ELEMENTS;
        ok[1] = (byte) (m >>> 24);
        ok[2] = (byte) (m >>> 16);
        ok[3] = (byte) (m >>> 8);
        ok[4] = (byte) m;
        assertThat((List<?>) MsgPack.read(ok)).hasSize(MsgPack.MAX_ELEMENTS);
    }
}
