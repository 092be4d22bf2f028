package org.dstack4j.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LauncherSettingsTest {

    private static LauncherSettings settings(String userConfig) throws InputException {
        return LauncherSettings.from(UserConfig.parse(userConfig));
    }

    private static void assertInvalid(String key, String value) {
        assertThatThrownBy(() -> settings(key + "=" + value))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.input()).isEqualTo(key);
                    assertThat(e.getMessage()).startsWith(key + " invalid: ");
                });
    }

    @Test
    void emptyConfigGivesTheDocumentedDefaults() throws Exception {
        var s = settings("");
        assertThat(s.imageName()).isEqualTo("nearone/mpc-node");
        assertThat(s.registry()).isEqualTo("registry.hub.docker.com");
        assertThat(s.tags()).containsExactly("latest");
        assertThat(s.hashOverride()).isEmpty();
        assertThat(s.retry()).isEqualTo(new RetryPolicy(Duration.ofSeconds(10), Duration.ofMillis(1000), 20));
        assertThat(s).isEqualTo(LauncherSettings.defaults());
    }

    @Test
    void readsEveryKey() throws Exception {
        var s = settings("""
                MPC_IMAGE_NAME=example/node
                MPC_REGISTRY=127.0.0.1:5000
                MPC_IMAGE_TAGS=v2, v1
                MPC_HASH_OVERRIDE=sha256:abc
                RPC_REQUEST_TIMEOUT_SECS=2.5
                RPC_REQUEST_INTERVAL_SECS=0.25
                RPC_MAX_ATTEMPTS=3
                """);
        assertThat(s.imageReference()).isEqualTo(new ImageReference("127.0.0.1:5000", "example/node", List.of("v2", "v1")));
        assertThat(s.hashOverride()).contains("sha256:abc");
        assertThat(s.retry()).isEqualTo(new RetryPolicy(Duration.ofMillis(2500), Duration.ofMillis(250), 3));
    }

    @Test
    void ignoresNodeKeys() throws Exception {
        assertThat(settings("MPC_ENV=testnet\nRUST_LOG=debug\nPLATFORM=NONTEE")).isEqualTo(LauncherSettings.defaults());
    }

    @Test
    void launcherOnlyKeySetIsComplete() {
        assertThat(LauncherSettings.KEYS).containsExactlyInAnyOrder("MPC_IMAGE_NAME", "MPC_REGISTRY", "MPC_IMAGE_TAGS",
                "MPC_HASH_OVERRIDE", "RPC_REQUEST_TIMEOUT_SECS", "RPC_REQUEST_INTERVAL_SECS", "RPC_MAX_ATTEMPTS");
    }

    @Test
    void emptyHashOverrideMeansNoOverride() throws Exception {
        // the seed's reference launcher: `MPC_HASH_OVERRIDE=` is no override, not a bad one
        assertThat(settings("MPC_HASH_OVERRIDE=").hashOverride()).isEmpty();
        assertThat(settings("MPC_HASH_OVERRIDE=   ").hashOverride()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nearone/mpc-node", "a", "0", "a/b/c", "my.name/x__y", "a-b--c/d_e", "library/busybox", "a1.b2-c3"})
    void acceptsRepositoryNames(String name) throws Exception {
        assertThat(settings("MPC_IMAGE_NAME=" + name).imageName()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NearOne/mpc-node", "a//b", "/a", "a/", "-a", "a-", "a..b", "a___b", "a b", "", "a:latest",
            "a@sha256:00", "registry.io:5000/a", "../a", "a/.b", "ä"})
    void rejectsInvalidRepositoryNames(String name) {
        assertInvalid("MPC_IMAGE_NAME", name);
    }

    @Test
    void rejectsOverlongRepositoryName() throws Exception {
        assertThat(settings("MPC_IMAGE_NAME=" + "a".repeat(255)).imageName()).hasSize(255);
        assertInvalid("MPC_IMAGE_NAME", "a".repeat(256));
    }

    @ParameterizedTest
    @ValueSource(strings = {"registry.hub.docker.com", "127.0.0.1:5000", "localhost", "localhost:1", "host:65535",
            "[::1]:5000", "[fe80::1]", "Registry.Example.COM", "ghcr.io", "my-registry.internal:443"})
    void acceptsRegistries(String registry) throws Exception {
        assertThat(settings("MPC_REGISTRY=" + registry).registry()).isEqualTo(registry);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://registry.hub.docker.com", "registry/path", "user@host", "user:pw@host", "host:0",
            "host:65536", "host:", ":5000", "", "host:abc", "-host", "host-", "host..com", ".host", "host name",
            "::1", "[::1", "host:5000/v2", "host?x=1", "host#f", "host:123456"})
    void rejectsInvalidRegistries(String registry) {
        assertInvalid("MPC_REGISTRY", registry);
    }

    @Test
    void rejectsOverlongRegistryHost() throws Exception {
        String label = "a".repeat(63);
        String host253 = String.join(".", label, label, label, "a".repeat(61));
        assertThat(settings("MPC_REGISTRY=" + host253).registry()).hasSize(253);
        assertInvalid("MPC_REGISTRY", host253 + "b");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "latest|latest",
            "' a , b ,, c ,'|a,b,c",
            "z,a|z,a",
            "a,a,b,a|a,b",
            "_x,1.0,v1-rc.2|_x,1.0,v1-rc.2",
            ",,latest|latest"})
    void parsesTags(String value, String expected) throws Exception {
        assertThat(settings("MPC_IMAGE_TAGS=" + value).tags()).containsExactly(expected.split(","));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ",", " , , ", "-bad", ".bad", "a b", "a/b", "a:b", "a@b", "ok,bad tag", "t\u0001"})
    void rejectsInvalidTags(String value) {
        assertInvalid("MPC_IMAGE_TAGS", value);
    }

    @Test
    void tagLengthBoundary() throws Exception {
        String t128 = "t".repeat(128);
        assertThat(settings("MPC_IMAGE_TAGS=" + t128).tags()).containsExactly(t128);
        assertInvalid("MPC_IMAGE_TAGS", t128 + "x");
    }

    @Test
    void tagCountBoundary() throws Exception {
        String sixteen = IntStream.range(0, 16).mapToObj(i -> "t" + i).collect(Collectors.joining(","));
        assertThat(settings("MPC_IMAGE_TAGS=" + sixteen).tags()).hasSize(16);
        assertInvalid("MPC_IMAGE_TAGS", sixteen + ",t16");
    }

    @ParameterizedTest
    @CsvSource({"10,10000", "2.5,2500", "0.001,1", "300,300000", "300.0,300000", "1e2,100000", ".5,500", "7.,7000"})
    void parsesRequestTimeout(String value, long millis) throws Exception {
        assertThat(settings("RPC_REQUEST_TIMEOUT_SECS=" + value).retry().requestTimeout()).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0.0", "0.0004", "-1", "300.001", "301", "1e3", "abc", "NaN", "Infinity", "1d", "1f",
            "0x10", "", "1_0", "+5", "1,5", "10s", "5 5"})
    void rejectsInvalidRequestTimeout(String value) {
        assertInvalid("RPC_REQUEST_TIMEOUT_SECS", value);
    }

    @ParameterizedTest
    @CsvSource({"0,0", "1.0,1000", "60,60000", "0.1,100", "1.5e1,15000"})
    void parsesRequestInterval(String value, long millis) throws Exception {
        assertThat(settings("RPC_REQUEST_INTERVAL_SECS=" + value).retry().initialInterval()).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"60.5", "61", "-0.5", "-0", "inf", "", "1.0.0"})
    void rejectsInvalidRequestInterval(String value) {
        assertInvalid("RPC_REQUEST_INTERVAL_SECS", value);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 20, 99, 100})
    void parsesMaxAttempts(int attempts) throws Exception {
        assertThat(settings("RPC_MAX_ATTEMPTS=" + attempts).retry().maxAttempts()).isEqualTo(attempts);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "101", "1000", "-1", "1.0", "abc", "+5", "", "1e1", "0x5", "٥"})
    void rejectsInvalidMaxAttempts(String value) {
        assertInvalid("RPC_MAX_ATTEMPTS", value);
    }

    @Test
    void errorShowsAShortEscapedExcerptOfTheValue() {
        String value = "bad\u0001" + "x".repeat(500);
        assertThatThrownBy(() -> settings("MPC_REGISTRY=" + value))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.getMessage()).contains("bad\\u0001").doesNotContain("\u0001")
                            .doesNotContain("x".repeat(100)).contains("…");
                    assertThat(e.fix()).contains("MPC_REGISTRY");
                });
    }
}
