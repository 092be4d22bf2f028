package org.dstack4j.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class LauncherEnvironmentTest {
    private static final String HEX = "0123456789abcdef".repeat(4);

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_CONTENT_TRUST", "1");
        env.put("PLATFORM", "NONTEE");
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) env.remove(keyValues[i]);
            else env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    private static InputException failure(Map<String, String> env) {
        try {
            LauncherEnvironment.from(env, Optional.empty());
        } catch (InputException e) {
            assertThat(e.step()).isEqualTo(LaunchStep.ENVIRONMENT);
            return e;
        }
        throw new AssertionError("expected an InputException");
    }

    @Test
    void acceptsMinimalEnvironment() throws Exception {
        var environment = LauncherEnvironment.from(env(), Optional.empty());
        assertThat(environment.platform()).isEqualTo(Platform.NONTEE);
        assertThat(environment.defaultDigest()).isEmpty();
    }

    @Test
    void dockerContentTrustMissingIsAnError() {
        var e = failure(env("DOCKER_CONTENT_TRUST", null));
        assertThat(e.getMessage()).isEqualTo("Environment variable DOCKER_CONTENT_TRUST must be set to 1.");
        assertThat(e.input()).isEqualTo("DOCKER_CONTENT_TRUST");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "", "true", " 1", "1 ", "01", "yes", "2"})
    void dockerContentTrustMustBeExactlyOne(String value) {
        assertThat(failure(env("DOCKER_CONTENT_TRUST", value)).getMessage())
                .isEqualTo("Environment variable DOCKER_CONTENT_TRUST must be set to 1.");
    }

    @ParameterizedTest
    @EnumSource(Platform.class)
    void readsPlatform(Platform platform) throws Exception {
        assertThat(LauncherEnvironment.from(env("PLATFORM", platform.name()), Optional.empty()).platform()).isEqualTo(platform);
    }

    @Test
    void missingPlatformIsAnErrorNotASilentNontee() {
        var e = failure(env("PLATFORM", null));
        assertThat(e.input()).isEqualTo("PLATFORM");
        assertThat(e.getMessage()).contains("PLATFORM");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tee", "nontee", "", " TEE", "TEE ", "SGX", "NON_TEE"})
    void invalidPlatformIsAnError(String value) {
        var e = failure(env("PLATFORM", value));
        assertThat(e.input()).isEqualTo("PLATFORM");
        assertThat(e.getMessage()).startsWith("PLATFORM invalid: ");
    }

    @Test
    void platformOverrideWinsOverEnvironment() throws Exception {
        assertThat(LauncherEnvironment.from(env("PLATFORM", "NONTEE"), Optional.of(Platform.TEE)).platform()).isEqualTo(Platform.TEE);
        assertThat(LauncherEnvironment.from(env("PLATFORM", "TEE"), Optional.of(Platform.NONTEE)).platform()).isEqualTo(Platform.NONTEE);
        assertThat(LauncherEnvironment.from(env("PLATFORM", null), Optional.of(Platform.TEE)).platform()).isEqualTo(Platform.TEE);
    }

    @Test
    void platformOverrideDoesNotBypassContentTrust() {
        assertThatThrownBy(() -> LauncherEnvironment.from(env("DOCKER_CONTENT_TRUST", "0"), Optional.of(Platform.NONTEE)))
                .isInstanceOf(InputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256:", ""})
    void defaultDigestWithOrWithoutPrefix(String prefix) throws Exception {
        var environment = LauncherEnvironment.from(env("DEFAULT_IMAGE_DIGEST", prefix + HEX), Optional.empty());
        assertThat(environment.defaultDigest()).contains(new ImageDigest(HEX));
    }

    @Test
    void emptyDefaultDigestMeansNone() throws Exception {
        assertThat(LauncherEnvironment.from(env("DEFAULT_IMAGE_DIGEST", ""), Optional.empty()).defaultDigest()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
            "sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "SHA256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "sha256:sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "sha256:", "latest", "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void invalidDefaultDigestIsAnError(String value) {
        var e = failure(env("DEFAULT_IMAGE_DIGEST", value));
        assertThat(e.input()).isEqualTo("DEFAULT_IMAGE_DIGEST");
        assertThat(e.getMessage()).isEqualTo("DEFAULT_IMAGE_DIGEST invalid: " + SafeText.excerpt(value));
    }

    @Test
    void invalidDefaultDigestMessageIsBounded() {
        var e = failure(env("DEFAULT_IMAGE_DIGEST", "z".repeat(10_000) + "\n"));
        assertThat(e.getMessage()).hasSizeLessThan(140).doesNotContain("\n");
    }
}
