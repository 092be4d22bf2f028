package org.dstack4j.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafeTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "plain|plain",
            "tab\there|tab\\u0009here",
            "del\u007f|del\\u007f",
            "c1\u0085|c1\\u0085",
            "back\\slash|back\\\\slash",
            "ünïcödé|ünïcödé"})
    void escapesControlCharacters(String in, String out) {
        assertThat(SafeText.escape(in)).isEqualTo(out);
    }

    @Test
    void escapesInvisibleFormatCharactersAndUnicodeLineSeparators() {
        // bidi override, zero-width joiner, BOM, line and paragraph separators: each could make a
        // logged key look like another one or forge a log line
        assertThat(SafeText.escape("MPC_\u202eX\u200dY\ufeffZ\u2028W\u2029"))
                .isEqualTo("MPC_\\u202eX\\u200dY\\ufeffZ\\u2028W\\u2029");
        assertThat(SafeText.escape("no\u00a0break")).isEqualTo("no\u00a0break"); // visible as a space: kept
    }

    @Test
    void escapesLineBreaksAndNul() {
        assertThat(SafeText.escape("a\nb\r\u0000")).isEqualTo("a\\u000ab\\u000d\\u0000");
    }

    @Test
    void excerptKeepsShortTextAndCutsLongText() {
        assertThat(SafeText.excerpt("x".repeat(80))).isEqualTo("x".repeat(80));
        assertThat(SafeText.excerpt("x".repeat(81))).isEqualTo("x".repeat(80) + "…");
        assertThat(SafeText.excerpt("")).isEqualTo("(empty)");
    }

    @Test
    void excerptDoesNotSplitASurrogatePair() {
        String text = "x".repeat(79) + "😀" + "tail";
        assertThat(SafeText.excerpt(text)).isEqualTo("x".repeat(79) + "…");
    }
}
