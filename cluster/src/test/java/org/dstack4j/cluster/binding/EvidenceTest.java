package org.dstack4j.cluster.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.joemelsha.crypto.hash.Keccak;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EvidenceTest {
    private static byte[] word(long v) {
        byte[] w = new byte[32];
        for (int i = 0; i < 8; i++) w[31 - i] = (byte) (v >>> (8 * i));
        return w;
    }

    private static byte[] padded(byte[] b) {
        return Arrays.copyOf(b, (b.length + 31) / 32 * 32);
    }

    /** abi.encode(bytes, string, string) written out by hand: three offsets, then length + padded data each. */
    private static byte[] byHand(byte[] q, String log, String compose) {
        byte[][] parts = {q, log.getBytes(StandardCharsets.UTF_8), compose.getBytes(StandardCharsets.UTF_8)};
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            head.writeBytes(word(96 + tail.size()));
            tail.writeBytes(word(p.length));
            tail.writeBytes(padded(p));
        }
        head.writeBytes(tail.toByteArray());
        return head.toByteArray();
    }

    private final Evidence ev = new Evidence(new byte[] {1, 2, 3, 4, 5}, "[{\"imr\":3}]", "{\"name\":\"ü\"}");

    @Test
    void encodesAsTheAbiLayoutAndHashesWithKeccak() throws Exception {
        byte[] enc = ev.encode();
        assertThat(enc).isEqualTo(byHand(ev.quote(), ev.eventLog(), ev.appCompose()));
        assertThat(ev.hash()).isEqualTo(new Keccak(256).digest(enc));
        assertThat(Evidence.decode(enc)).isEqualTo(ev);
    }

    @Test
    void nonCanonicalTruncatedOrNonUtf8IsRefused() {
        byte[] enc = ev.encode();
        byte[] trailing = Arrays.copyOf(enc, enc.length + 32);
        assertThatThrownBy(() -> Evidence.decode(trailing)).isInstanceOf(EvidenceFormatException.class);
        assertThatThrownBy(() -> Evidence.decode(Arrays.copyOf(enc, enc.length - 1))).isInstanceOf(EvidenceFormatException.class);
        byte[] badUtf8 = byHand(new byte[] {1}, "x", "y");
        badUtf8[badUtf8.length - 32] = (byte) 0xff; // the appCompose's one byte
        assertThatThrownBy(() -> Evidence.decode(badUtf8)).isInstanceOf(EvidenceFormatException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void sizeCapsNameThePart() {
        assertThatThrownBy(() -> new Evidence(new byte[Evidence.MAX_QUOTE_BYTES + 1], "", ""))
                .hasMessageContaining("quote is 16385 bytes");
        byte[] big = byHand(new byte[Evidence.MAX_QUOTE_BYTES + 1], "", "");
        assertThatThrownBy(() -> Evidence.decode(big)).isInstanceOf(EvidenceFormatException.class).hasMessageContaining("quote");
        assertThatThrownBy(() -> Evidence.decode(new byte[Evidence.MAX_ENCODED_BYTES + 1])).hasMessageContaining("more than");
        // each part within its cap, together over the contract's MAX_EVIDENCE
        assertThatThrownBy(() -> new Evidence(new byte[Evidence.MAX_QUOTE_BYTES], "x".repeat(Evidence.MAX_EVENT_LOG_BYTES),
                "y".repeat(Evidence.MAX_APP_COMPOSE_BYTES))).hasMessageContaining("encoding is");
        assertThat(new Evidence(new byte[Evidence.MAX_QUOTE_BYTES], "x".repeat(Evidence.MAX_EVENT_LOG_BYTES), "y".repeat(16 * 1024 - 6 * 32))
                .encode()).hasSize(Evidence.MAX_ENCODED_BYTES);
        assertThat(ev.toString()).contains("5 bytes");
    }
}
