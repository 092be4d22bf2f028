package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    @Test
    void everyCharacterIsKeptOrEscapedByItsUnicodeCategory() {
        for (int c = 0; c <= 0xFFFF; c++) {
            String one = String.valueOf((char) c);
            int type = Character.getType(c);
            boolean unsafe = type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
            String expected = c == '\\' ? "\\\\" : unsafe ? String.format("\\u%04x", c) : one;
            assertThat(TerminalText.escape(one)).as("U+%04X", c).isEqualTo(expected);
            assertThat(TerminalText.hasUnprintable(one)).as("U+%04X", c).isEqualTo(unsafe);
        }
    }

    @Test
    void aForgedReportLineBecomesOneVisibleLine() {
        assertThat(TerminalText.escape("a\nVALID: every check passed\u001b[8m\u202eX\u200dY\ufeffZ\u2028W\u2029"))
                .isEqualTo("a\\u000aVALID: every check passed\\u001b[8m\\u202eX\\u200dY\\ufeffZ\\u2028W\\u2029")
                .doesNotContain("\n");
        assertThat(TerminalText.escape("already \\u000a escaped")).isEqualTo("already \\\\u000a escaped");
    }

    @Test
    void keepsSurrogatePairsButEscapesLoneSurrogates() {
        assertThat(TerminalText.escape("😀")).isEqualTo("😀");
        assertThat(TerminalText.escape("a\ud800b\udfff")).isEqualTo("a\\ud800b\\udfff");
        assertThat(TerminalText.escape("\ude00\ud83d")).isEqualTo("\\ude00\\ud83d");
        assertThat(TerminalText.hasUnprintable("😀 ok")).isFalse();
        assertThat(TerminalText.hasUnprintable("x\ud800")).isTrue();
        assertThat(TerminalText.hasUnprintable("back\\slash")).isFalse();
    }

    @Test
    void aCappedEscapeCountsCodePointsAndMarksTheCut() {
        assertThat(TerminalText.escape("abc", 3)).isEqualTo("abc");
        assertThat(TerminalText.escape("abcd", 3)).isEqualTo("abc...");
        assertThat(TerminalText.escape("😀😀x", 2)).isEqualTo("😀😀...");
        assertThat(TerminalText.escape("a\nbcdef", 2)).isEqualTo("a\\u000a...");
    }
}
