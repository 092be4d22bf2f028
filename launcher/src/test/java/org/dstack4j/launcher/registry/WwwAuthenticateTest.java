package org.dstack4j.launcher.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WwwAuthenticateTest {

    @Test
    void parsesDistributionBearerChallenge() throws Exception {
        List<AuthChallenge> challenges = WwwAuthenticate.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"");

        assertThat(challenges).hasSize(1);
        AuthChallenge bearer = challenges.getFirst();
        assertThat(bearer.is("bearer")).isTrue();
        assertThat(bearer.params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "realm", "https://auth.docker.io/token",
                "service", "registry.docker.io",
                "scope", "repository:library/busybox:pull"));
        assertThat(bearer.token68()).isEmpty();
    }

    @Test
    void unquotedTokensSpacesAroundEqualsAndCaseInsensitiveNames() throws Exception {
        AuthChallenge c = WwwAuthenticate.parse("Basic   Realm = simple ,  charset=\"UTF-8\"").getFirst();

        assertThat(c.scheme()).isEqualTo("Basic");
        assertThat(c.param("realm")).contains("simple");
        assertThat(c.param("charset")).contains("UTF-8");
    }

    @Test
    void quotedStringEscapesAndCommas() throws Exception {
        AuthChallenge c = WwwAuthenticate.parse("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\", a, b\"").getFirst();

        assertThat(c.param("title")).contains("Login to \"apps\", a, b");
        assertThat(c.param("type")).contains("1");
    }

    @Test
    void severalChallengesInOneValue() throws Exception {
        List<AuthChallenge> challenges = WwwAuthenticate.parse(
                "Newauth realm=\"apps\", type=1, title=\"Login\", Basic realm=\"simple\", Bearer");

        assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("Newauth", "Basic", "Bearer");
        assertThat(challenges.get(1).param("realm")).contains("simple");
        assertThat(challenges.get(2).params()).isEmpty();
    }

    @Test
    void token68Form() throws Exception {
        List<AuthChallenge> challenges = WwwAuthenticate.parse("Negotiate abc+/def==, Basic realm=x");

        assertThat(challenges.getFirst().token68()).isEqualTo(Optional.of("abc+/def=="));
        assertThat(challenges.get(1).param("realm")).contains("x");
    }

    @Test
    void emptyQuotedValueIsAllowed() throws Exception {
        assertThat(WwwAuthenticate.parse("Bearer realm=\"\"").getFirst().param("realm")).contains("");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "   ",
            ",",
            "Bearer realm=\"unterminated",
            "Bearer service=x, realm=",
            "Bearer realm=, service=x",
            "Bearer realm=\"a\" junk",
            "Bearer realm=\"a\", realm=\"b\"",
            "Bearer realm=\"a\"x",
            "=realm",
            "Bearer \"quoted\"",
            "Bearer realm=\"a\u0001\"",
            "Bearer realm=\"a\\",
            "Bearer/x realm=a",
    })
    void malformedValuesAreRejected(String value) {
        assertThatThrownBy(() -> WwwAuthenticate.parse(value))
                .isInstanceOf(ChallengeSyntaxException.class)
                .hasMessageStartingWith("malformed WWW-Authenticate");
    }

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> WwwAuthenticate.parse(null)).isInstanceOf(ChallengeSyntaxException.class);
    }
}
