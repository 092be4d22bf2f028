package org.dstack4j.sdk.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both wire forms: round trip, the byte layout dstack's decoder expects, and refusal of malformed documents. */
class VersionedAttestationTest {
    private static final HexFormat HEX = HexFormat.of();

    private static VersionedAttestation sample(int quoteBytes) {
        byte[] quote = new byte[quoteBytes];
        for (int i = 0; i < quote.length; i++) quote[i] = (byte) (i * 7);
        List<EventLogEntry> log = List.of(
                new EventLogEntry(0, 1, "ab".repeat(48), "", "0102"),
                EventLogEntry.runtime("app-id", new byte[20]),
                EventLogEntry.runtime("x".repeat(40), new byte[300]));
        byte[] rd = new byte[64];
        rd[0] = 1;
        rd[63] = (byte) 0xff;
        return new VersionedAttestation(quote, log, VersionedAttestation.runtimeEventsOf(log), rd, "{\"cpu_count\":2}");
    }

    @ParameterizedTest
    @EnumSource(VersionedAttestation.Form.class)
    void roundTripsInBothForms(VersionedAttestation.Form form) throws Exception {
        for (int size : new int[] {0, 5, 200, 70_000}) {
            VersionedAttestation a = sample(size);
            byte[] bytes = a.encode(form);
            assertThat(VersionedAttestation.formOf(bytes)).isEqualTo(form);
            assertThat(VersionedAttestation.decode(bytes)).isEqualTo(a);
        }
    }

    @Test
    void scaleLayoutIsDstacksLegacyEnumOfTdx() {
        byte[] b = sample(5).toScale();
        // V0 variant, DstackTdx quote kind, compact length 5 (5 << 2), then the quote bytes
        assertThat(HEX.formatHex(b, 0, 3)).isEqualTo("000014");
        assertThat(HEX.formatHex(b, 3, 8)).isEqualTo("00070e151c");
        // event log: compact 3, first entry imr 0 (u32 le), type 1, digest length 48 (single-byte compact: 48 << 2)
        assertThat(b[8] & 0xff).isEqualTo(3 << 2);
        assertThat(HEX.formatHex(b, 9, 17)).isEqualTo("0000000001000000");
        assertThat(HEX.formatHex(b, 17, 19)).isEqualTo("c0ab");
        // a 300-byte payload needs the two-byte compact mode: (300 << 2) | 1, little-endian
        assertThat(HEX.formatHex(b)).contains("b104" + "00".repeat(300));
    }

    @Test
    void msgpackLayoutIsNamedMapWithIntegerArraysForPlainByteVectors() {
        byte[] b = sample(2).toMsgpack();
        // fixmap(3), "version", 1, "platform", fixmap(2), "kind", "tdx", "data", fixmap(2), "quote", fixarray(2) 0 7
        String hex = HEX.formatHex(b);
        assertThat(hex).startsWith("83" + "a776657273696f6e" + "01" + "a8706c6174666f726d" + "82" + "a46b696e64"
                + "a3746478" + "a464617461" + "82" + "a571756f7465" + "92" + "00" + "07");
        // digests and payloads are binary (0xc4 len)
        assertThat(hex).contains("a6646967657374" + "c430");
    }

    @Test
    void refusesMalformedDocuments() {
        byte[] scale = sample(10).toScale();
        byte[] msgpack = sample(10).toMsgpack();
        assertThatThrownBy(() -> VersionedAttestation.decode(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> VersionedAttestation.decode(new byte[] {0x42})).hasMessageContaining("unknown attestation wire format");
        assertThatThrownBy(() -> VersionedAttestation.decode(Arrays.copyOf(scale, scale.length - 1))).hasMessageContaining("runs past the end");
        assertThatThrownBy(() -> VersionedAttestation.decode(Arrays.copyOf(scale, scale.length + 1))).hasMessageContaining("ends at byte");
        assertThatThrownBy(() -> VersionedAttestation.decode(Arrays.copyOf(msgpack, msgpack.length - 3))).isInstanceOf(AttestationFormatException.class);
        assertThatThrownBy(() -> VersionedAttestation.decode(Arrays.copyOf(msgpack, msgpack.length + 1))).hasMessageContaining("ends at byte");
        byte[] otherKind = scale.clone();
        otherKind[1] = 2; // nitro enclave
        assertThatThrownBy(() -> VersionedAttestation.decode(otherKind)).hasMessageContaining("not for TDX");
        byte[] huge = scale.clone();
        huge[2] = (byte) 0xfe; // compact length far past the end
        assertThatThrownBy(() -> VersionedAttestation.decode(huge)).isInstanceOf(AttestationFormatException.class);
        byte[] version2 = msgpack.clone();
        version2[9] = 2;
        assertThatThrownBy(() -> VersionedAttestation.decode(version2)).hasMessageContaining("version 2");
    }

    @ParameterizedTest
    @EnumSource(VersionedAttestation.Form.class)
    void refusesEventNamesWithControlCharactersAsTheEventLogParserDoes(VersionedAttestation.Form form) {
        byte[] good = sample(10).encode(form);
        byte[] name = "x".repeat(40).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int inLog = indexOf(good, name, 0);
        int inRuntime = indexOf(good, name, inLog + 1);
        assertThat(inLog).isNotNegative();
        assertThat(inRuntime).isGreaterThan(inLog);

        byte[] newline = good.clone();
        newline[inLog + 5] = '\n';
        assertThatThrownBy(() -> VersionedAttestation.decode(newline)).isInstanceOf(AttestationFormatException.class)
                .hasMessageContaining("holds a control, format or line-separator character");
        byte[] escape = good.clone();
        escape[inRuntime + 5] = 0x1b; // ESC in the runtime events only
        assertThatThrownBy(() -> VersionedAttestation.decode(escape)).isInstanceOf(AttestationFormatException.class)
                .hasMessageContaining("runtime").hasMessageContaining("holds a control");
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        for (int i = from; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) return i;
        }
        return -1;
    }
}
