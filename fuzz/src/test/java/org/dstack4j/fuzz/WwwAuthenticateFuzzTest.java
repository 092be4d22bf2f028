package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.dstack4j.launcher.registry.AuthChallenge;
import org.dstack4j.launcher.registry.ChallengeSyntaxException;
import org.dstack4j.launcher.registry.WwwAuthenticate;

/**
 * Fuzzes {@link WwwAuthenticate#parse} with arbitrary header values (bytes read as ISO-8859-1, as
 * HTTP clients decode header octets): only {@link ChallengeSyntaxException} may escape. Accepted
 * challenges have a token scheme and lowercase parameter names, and re-serialising them (every
 * parameter value as a quoted string) must parse back to the same challenges.
 *
 * <p>Seeds: Docker Hub / distribution style Bearer challenges, Basic with realm, token68 forms,
 * several challenges in one value, escaped quotes.
 */
class WwwAuthenticateFuzzTest {

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"Bearer ", "Basic ", "realm=", "service=", "scope=", "error=", "\"", "\\\"", ", ", "=="})
    void parse(byte[] input) throws ChallengeSyntaxException {
        List<AuthChallenge> challenges;
        try {
            challenges = WwwAuthenticate.parse(new String(input, StandardCharsets.ISO_8859_1));
        } catch (ChallengeSyntaxException e) {
            return;
        }
        assertThat(challenges).isNotEmpty();
        for (AuthChallenge c : challenges) {
            assertThat(c.scheme()).matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
            assertThat(c.params().keySet()).allMatch(k -> k.matches("[a-z0-9!#$%&'*+.^_`|~-]+"));
            assertThat(c.token68().isEmpty() || c.params().isEmpty()).isTrue();
        }
        String again = challenges.stream().map(WwwAuthenticateFuzzTest::serialise).collect(Collectors.joining(", "));
        assertThat(WwwAuthenticate.parse(again)).as("re-parse of %s", again).isEqualTo(challenges);
    }

    private static String serialise(AuthChallenge c) {
        if (c.token68().isPresent()) return c.scheme() + " " + c.token68().get();
        if (c.params().isEmpty()) return c.scheme();
        return c.scheme() + " " + c.params().entrySet().stream()
                .map(WwwAuthenticateFuzzTest::param)
                .collect(Collectors.joining(", "));
    }

    private static String param(Map.Entry<String, String> p) {
        StringBuilder out = new StringBuilder(p.getKey()).append("=\"");
        for (char ch : p.getValue().toCharArray()) {
            if (ch == '"' || ch == '\\') out.append('\\');
            out.append(ch);
        }
        return out.append('"').toString();
    }
}
