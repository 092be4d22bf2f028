package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TerminalTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "plain|plain",
            "tab\there|tab\\u0009here",
            "del\u007f|del\\u007f",
            "c1\u0085|c1\\u0085",
            "back\\slash|back\\\\slash",
            "ünïcödé|ünïcödé"})
    void escapesControlCharactersAndBackslashes(String in, String out) {
        assertThat(TerminalText.escape(in)).isEqualTo(out);
    }

    @Test
    void escapesFormatCharactersLineSeparatorsAndTerminalEscapes() {
        assertThat(TerminalText.escape("a\nVALID: every check passed\u001b[8m\u202eX\u200dY\ufeffZ\u2028W\u2029"))
                .isEqualTo("a\\u000aVALID: every check passed\\u001b[8m\\u202eX\\u200dY\\ufeffZ\\u2028W\\u2029");
        assertThat(TerminalText.escape("no\u00a0break")).isEqualTo("no\u00a0break");
    }

    @Test
    void keepsSurrogatePairsButEscapesLoneSurrogates() {
        assertThat(TerminalText.escape("😀")).isEqualTo("😀");
        assertThat(TerminalText.escape("a\ud800b\udfff")).isEqualTo("a\\ud800b\\udfff");
        assertThat(TerminalText.escape("\ude00\ud83d")).isEqualTo("\\ude00\\ud83d");
        assertThat(TerminalText.hasUnprintable("😀 ok")).isFalse();
        assertThat(TerminalText.hasUnprintable("x\ud800")).isTrue();
        assertThat(TerminalText.hasUnprintable("x\u2028")).isTrue();
        assertThat(TerminalText.hasUnprintable("back\\slash")).isFalse();
    }
}
