package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeEventsTest {

    @Test
    void digestIsSha384OverTypeNameAndPayload() throws Exception {
        byte[] payload = {1, 2, 3};
        MessageDigest sha = MessageDigest.getInstance("SHA-384");
        sha.update(new byte[] {0x01, 0x00, 0x00, 0x08});
        sha.update(":mpc-image-digest:".getBytes(StandardCharsets.UTF_8));
        sha.update(payload);
        assertThat(RuntimeEvents.digest(0x08000001L, "mpc-image-digest", payload)).isEqualTo(sha.digest());
    }

    @Test
    void replayExtendsOnlyTheChosenRegisterInOrder() {
        var a = EventLogEntry.runtime("a", new byte[] {1});
        var b = EventLogEntry.runtime("b", new byte[0]);
        var other = new EventLogEntry(0, 1, "00".repeat(48), "", "");
        byte[] expected = RuntimeEvents.extend(
                RuntimeEvents.extend(new byte[48], RuntimeEvents.digest(0x08000001L, "a", new byte[] {1})),
                RuntimeEvents.digest(0x08000001L, "b", new byte[0]));
        assertThat(RuntimeEvents.replay(List.of(a, other, b), 3)).isEqualTo(expected);
        assertThat(RuntimeEvents.replay(List.of(b, a), 3)).isNotEqualTo(expected);
    }

    @Test
    void replayIgnoresTheLoggedDigestOfRuntimeEvents() {
        var honest = EventLogEntry.runtime("x", new byte[] {9});
        var lying = new EventLogEntry(3, honest.eventType(), "ff".repeat(48), "x", "09");
        assertThat(RuntimeEvents.replay(List.of(lying), 3)).isEqualTo(RuntimeEvents.replay(List.of(honest), 3));
    }

    @Test
    void extendRejectsWrongSizes() {
        assertThatThrownBy(() -> RuntimeEvents.extend(new byte[47], new byte[48]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
