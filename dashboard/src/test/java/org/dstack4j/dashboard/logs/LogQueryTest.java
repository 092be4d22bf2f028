package org.dstack4j.dashboard.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.dstack4j.dashboard.BadRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LogQueryTest {
    static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

    @Test
    void boundsAreEpochSecondsOrADurationBeforeNow() throws Exception {
        assertThat(LogQuery.bound("since", null, NOW)).isZero();
        assertThat(LogQuery.bound("since", "", NOW)).isZero();
        assertThat(LogQuery.bound("since", "120", NOW)).isEqualTo(120);
        assertThat(LogQuery.bound("since", "30s", NOW)).isEqualTo(NOW.getEpochSecond() - 30);
        assertThat(LogQuery.bound("since", "5m", NOW)).isEqualTo(NOW.getEpochSecond() - 300);
        assertThat(LogQuery.bound("since", "2h", NOW)).isEqualTo(NOW.getEpochSecond() - 7200);
        assertThat(LogQuery.bound("until", "1d", NOW)).isEqualTo(NOW.getEpochSecond() - 86_400);
        // further back than the epoch: the earliest bound, never 0 (which would mean "no bound")
        assertThat(LogQuery.bound("since", "999999999d", NOW)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"30x", "h", "abc", "-5m", "5 m", "1e9", "5M", "9999999999999", "10000000000s", "1.5h", "٣s"})
    void malformedBoundsAreRefusedNamingTheParameter(String value) {
        assertThatThrownBy(() -> LogQuery.bound("since", value, NOW)).isInstanceOf(BadRequest.class)
                .hasMessageStartingWith("since must be").hasMessageContaining("(e.g. 10m)")
                .satisfies(e -> assertThat(((BadRequest) e).status()).isEqualTo(400));
    }

    @Test
    void tailIsAllOrABoundedCount() throws Exception {
        assertThat(LogQuery.tail(null)).isEqualTo("1000");
        assertThat(LogQuery.tail("all")).isEqualTo("all");
        assertThat(LogQuery.tail("20")).isEqualTo("20");
        assertThat(LogQuery.tail("007")).isEqualTo("7");
        assertThat(LogQuery.tail("100000")).isEqualTo("100000");
        for (String bad : new String[] {"100001", "99999999999999999999", "-1", "ALL", "1 0", "20&x=1"}) {
            assertThatThrownBy(() -> LogQuery.tail(bad)).as(bad).isInstanceOf(BadRequest.class)
                    .hasMessage("tail must be all or a number of lines 0..100000");
        }
    }

    @Test
    void containerNamesFollowDockersRule() throws Exception {
        assertThat(LogQuery.containerName("mpc-node")).isEqualTo("mpc-node");
        assertThat(LogQuery.containerName("/mpc-node")).isEqualTo("mpc-node");
        assertThat(LogQuery.containerName("a1_b.c-d")).isEqualTo("a1_b.c-d");
        assertThat(LogQuery.containerName("x".repeat(128))).hasSize(128);
        for (String bad : new String[] {"", "/", "..", "../etc", "../../var/run/docker.sock", "a/b", "a/../b", ".hidden",
                "-x", "x".repeat(129), "a b", "a%2Fb", "node\n", "nöde", "a?x=1", "json?all=1"}) {
            assertThatThrownBy(() -> LogQuery.containerName(bad)).as(bad).isInstanceOf(BadRequest.class)
                    .hasMessageContaining("container name must be");
        }
    }

    @Test
    void flagsWithoutValueAreTrueAndOddValuesRefused() throws Exception {
        Map<String, String> q = new HashMap<>(Map.of("text", "", "bare", "true", "follow", "0", "timestamps", "yes"));
        LogQuery lq = LogQuery.parse("mpc-node", q, NOW);
        assertThat(lq.text()).isTrue();
        assertThat(lq.bare()).isTrue();
        assertThat(lq.follow()).isFalse();
        assertThat(lq.timestamps()).isTrue();
        assertThat(lq.ansi()).isFalse();
        assertThat(lq.tail()).isEqualTo("1000");
        q.put("ansi", "maybe");
        assertThatThrownBy(() -> LogQuery.parse("mpc-node", q, NOW)).isInstanceOf(BadRequest.class)
                .hasMessage("ansi must be empty, true or false");
    }

    @Test
    void engineQueryCarriesOnlyValidatedValues() throws Exception {
        LogQuery q = LogQuery.parse("mpc-node", Map.of("follow", "", "since", "10m", "tail", "20"), NOW);
        assertThat(q.engineQuery()).isEqualTo("stdout=1&stderr=1&follow=1&timestamps=0&since=" + (NOW.getEpochSecond() - 600) + "&tail=20");
        assertThat(LogQuery.parse("a", Map.of(), NOW).engineQuery()).isEqualTo("stdout=1&stderr=1&follow=0&timestamps=0&tail=1000");
    }
}
