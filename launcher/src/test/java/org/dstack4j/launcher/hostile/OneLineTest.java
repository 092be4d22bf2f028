package org.dstack4j.launcher.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one stderr line of a failure is the last guard against log injection: whatever untrusted text
 * reached a message, the line cannot be split and carries no terminal escape or invisible character.
 */
class OneLineTest {
    static Stream<Arguments> messages() {
        return Stream.of(
                Arguments.of("CR LF split the line", "a\r\nlaunch ok", "a launch ok"),
                Arguments.of("lone LF", "a\nb", "a b"),
                Arguments.of("ANSI clear screen", "a\u001b[2Jb", "a\\u001b[2Jb"),
                Arguments.of("NUL", "a\u0000b", "a\\u0000b"),
                Arguments.of("C1 CSI", "a\u009b31mb", "a\\u009b31mb"),
                Arguments.of("Unicode line separator", "a\u2028b", "a\\u2028b"),
                Arguments.of("Unicode paragraph separator", "a\u2029b", "a\\u2029b"),
                Arguments.of("bidi override", "a\u202eb", "a\\u202eb"),
                Arguments.of("byte order mark", "a\ufeffb", "a\\ufeffb"),
                Arguments.of("already escaped text is kept as is", "a\\u001bb", "a\\u001bb"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void oneLineEscapesWhatCouldForgeOrHideLogText(String name, String problem, String expected) {
        var e = new RegistryException(LaunchStep.REGISTRY, "127.0.0.1:5000", problem, "fix it");
        assertThat(e.oneLine()).isEqualTo("launch failed at registry: " + expected + " [input: 127.0.0.1:5000] fix: fix it");
    }
}
