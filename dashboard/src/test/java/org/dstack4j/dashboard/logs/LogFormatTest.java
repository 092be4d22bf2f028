package org.dstack4j.dashboard.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFormatTest {
    static final byte[] COLOURED = "\u001B[31mred\u001B[0m \u001B]0;title\u0007done\n".getBytes(StandardCharsets.UTF_8);

    static LogQuery q(Map<String, String> flags) throws Exception {
        return LogQuery.parse("n", flags, Instant.EPOCH);
    }

    @Test
    void bareTextDropsAnsiUnlessAsked() throws Exception {
        assertThat(LogFormat.format("stdout", COLOURED, q(Map.of("text", "", "bare", "")))).isEqualTo("red done\n");
        assertThat(LogFormat.format("stdout", COLOURED, q(Map.of("text", "", "bare", "", "ansi", ""))))
                .isEqualTo(new String(COLOURED, StandardCharsets.UTF_8));
    }

    @Test
    void bareWithoutTextIsBase64() throws Exception {
        assertThat(LogFormat.format("stdout", COLOURED, q(Map.of("bare", "")))).isEqualTo(Base64.getEncoder().encodeToString(COLOURED));
    }

    @Test
    void notBareIsOneJsonLinePerMessage() throws Exception {
        String line = LogFormat.format("stderr", "a\"<b>\n".getBytes(StandardCharsets.UTF_8), q(Map.of("text", "")));
        assertThat(line).endsWith("}\n").doesNotContain("\n{");
        var o = new ObjectMapper().readTree(line);
        assertThat(o.get("channel").asText()).isEqualTo("stderr");
        assertThat(o.get("message").asText()).isEqualTo("a\"<b>\n");
        var b64 = new ObjectMapper().readTree(LogFormat.format("stdout", COLOURED, q(Map.of())));
        assertThat(Base64.getDecoder().decode(b64.get("message").asText())).isEqualTo(COLOURED);
    }
}
