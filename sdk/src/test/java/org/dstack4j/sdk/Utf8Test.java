package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8Test {
    @Test
    void decodesValidUtf8IncludingMultiByteCharacters() throws Exception {
        assertThat(Utf8.decodeStrict("{\"k\":\"é€😀\"}".getBytes(StandardCharsets.UTF_8))).isEqualTo("{\"k\":\"é€😀\"}");
    }

    @Test
    void rejectsInvalidBytesInsteadOfReplacingThem() {
        byte[] bad = {'"', 'c', 'o', 'n', 'f', (byte) 0xFF, (byte) 0xFF, 'i', 'g', '"'};
        assertThatThrownBy(() -> Utf8.decodeStrict(bad)).isInstanceOf(CharacterCodingException.class);
        assertThatThrownBy(() -> Utf8.decodeStrict(new byte[] {(byte) 0xC0, (byte) 0x80})) // overlong NUL
                .isInstanceOf(CharacterCodingException.class);
        assertThatThrownBy(() -> Utf8.decodeStrict(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})) // surrogate
                .isInstanceOf(CharacterCodingException.class);
    }
}
