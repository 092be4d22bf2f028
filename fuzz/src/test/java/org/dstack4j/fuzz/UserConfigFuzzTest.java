package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.config.LauncherSettings;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.UserConfig;
import org.dstack4j.launcher.container.ContainerPlan;
import org.dstack4j.launcher.container.ContainerRules;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Fuzzes the untrusted user_config path: {@link UserConfig#parse}, {@link LauncherSettings#from}
 * and {@link ContainerRules#build}. Only {@link InputException} may escape.
 *
 * <p>Whatever the input, the container plan must obey the container rules of docs/launcher.md,
 * re-checked here independently of {@link ContainerRules}: every passed variable has an allowed
 * key ({@code MPC_[A-Z0-9_]{1,64}} or an extra key), not denied, reserved or launcher-only, its
 * value exactly the user_config value, at most 1024 UTF-8 bytes, without control characters other
 * than tab and without {@code LD_PRELOAD}; at most 64 variables and 32768 bytes; secret-looking
 * keys flagged secret; the launcher's own variables last and unaltered; ports in range, host ports
 * unique. Accepted launcher settings stay within their documented bounds.
 *
 * <p>Seeds: a typical node config, launcher-only keys at their limits, hostile entries (reserved
 * and denied keys, LD_PRELOAD, control characters, bad ports), CRLF/BOM/duplicate-key layout.
 */
class UserConfigFuzzTest {
    private static final ImageDigest IMAGE = new ImageDigest("ab".repeat(32));
    private static final Pattern MPC_KEY = Pattern.compile("MPC_[A-Z0-9_]{1,64}");
    private static final Set<String> EXTRA = Set.of("NEAR_BOOT_NODES", "RUST_BACKTRACE", "RUST_LOG");
    private static final Set<String> NEVER_FROM_USER = Set.of("MPC_IMAGE_HASH", "MPC_LATEST_ALLOWED_HASH_FILE",
            "DSTACK_ENDPOINT", "MPC_P2P_PRIVATE_KEY", "MPC_ACCOUNT_SK");

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"MPC_", "PORTS=", "MPC_IMAGE_NAME=", "MPC_REGISTRY=", "MPC_IMAGE_TAGS=", "MPC_HASH_OVERRIDE=",
            "RPC_REQUEST_TIMEOUT_SECS=", "RPC_REQUEST_INTERVAL_SECS=", "RPC_MAX_ATTEMPTS=", "MPC_IMAGE_HASH=",
            "MPC_LATEST_ALLOWED_HASH_FILE=", "DSTACK_ENDPOINT=", "MPC_P2P_PRIVATE_KEY=", "MPC_ACCOUNT_SK=",
            "NEAR_BOOT_NODES=", "RUST_LOG=", "LD_PRELOAD", "ld_preload", "MPC_SECRET_STORE_KEY=",
            "8080:8080", "1e2", "65535", "65536"})
    void build(byte[] input) {
        UserConfig config = UserConfig.parse(new String(input, StandardCharsets.UTF_8));
        for (Map.Entry<String, String> e : config.entries().entrySet()) {
            assertThat(e.getKey()).isNotEmpty().isEqualTo(e.getKey().strip()).doesNotContain("=", "\n", "\r")
                    .doesNotStartWith("#");
            assertThat(e.getValue()).isEqualTo(e.getValue().strip()).doesNotContain("\n", "\r");
        }
        checkSettings(config);
        for (Platform platform : Platform.values()) {
            ContainerPlan plan;
            try {
                plan = ContainerRules.build(config, IMAGE, platform, Path.of("/var/run/dstack.sock"), Path.of("/tapp"));
            } catch (InputException tooMany) {
                continue;
            }
            checkPlan(config, platform, plan);
        }
    }

    private static void checkSettings(UserConfig config) {
        LauncherSettings s;
        try {
            s = LauncherSettings.from(config);
        } catch (InputException invalid) {
            return;
        }
        assertThat(s.tags()).isNotEmpty().hasSizeLessThanOrEqualTo(LauncherSettings.MAX_TAGS).doesNotHaveDuplicates();
        assertThat(s.imageName().length()).isLessThanOrEqualTo(LauncherSettings.MAX_IMAGE_NAME_LENGTH);
        assertThat(s.registry()).doesNotContain("/", "@", " ");
        var retry = s.retry();
        assertThat(retry.requestTimeout().toMillis()).isBetween(1L, 300_000L);
        assertThat(retry.initialInterval().toMillis()).isBetween(0L, 60_000L);
        assertThat(retry.maxAttempts()).isBetween(1, LauncherSettings.MAX_MAX_ATTEMPTS);
        s.imageReference();
    }

    private static void checkPlan(UserConfig config, Platform platform, ContainerPlan plan) {
        List<EnvVar> env = plan.spec().env();
        int own = platform == Platform.TEE ? 3 : 2;
        assertThat(env.size()).isGreaterThanOrEqualTo(own);
        List<EnvVar> passed = env.subList(0, env.size() - own);
        List<EnvVar> launcher = env.subList(env.size() - own, env.size());
        assertThat(launcher.get(0)).isEqualTo(new EnvVar("MPC_IMAGE_HASH", IMAGE.bareHex(), false));
        assertThat(launcher.get(1)).isEqualTo(new EnvVar("MPC_LATEST_ALLOWED_HASH_FILE", "/mnt/shared/image-digest.bin", false));
        if (platform == Platform.TEE) {
            assertThat(launcher.get(2)).isEqualTo(new EnvVar("DSTACK_ENDPOINT", "/var/run/dstack.sock", false));
        }
        assertThat(passed.size()).isLessThanOrEqualTo(64);
        int bytes = 0;
        Set<String> keys = new HashSet<>();
        for (EnvVar v : passed) {
            String key = v.key();
            String value = v.value();
            assertThat(keys.add(key)).as("key passed once: %s", key).isTrue();
            assertThat(MPC_KEY.matcher(key).matches() || EXTRA.contains(key)).as("allowed key %s", key).isTrue();
            assertThat(NEVER_FROM_USER).doesNotContain(key);
            assertThat(LauncherSettings.KEYS).doesNotContain(key);
            assertThat(key.toUpperCase(Locale.ROOT)).doesNotContain("LD_PRELOAD");
            assertThat(value.toUpperCase(Locale.ROOT)).doesNotContain("LD_PRELOAD");
            assertThat(config.get(key)).contains(value);
            int valueBytes = value.getBytes(StandardCharsets.UTF_8).length;
            assertThat(valueBytes).isLessThanOrEqualTo(1024);
            value.codePoints().forEach(c -> assertThat(c == '\t' || !(c < 0x20 || (c >= 0x7F && c <= 0x9F)))
                    .as("control character U+%04X in %s", c, key).isTrue());
            boolean secretLooking = key.contains("SECRET") || key.contains("KEY") || key.contains("TOKEN")
                    || key.contains("PASSWORD");
            if (secretLooking) {
                assertThat(v.secret()).as("%s flagged secret", key).isTrue();
                assertThat(v.redacted()).isEqualTo(key + "=***");
            }
            bytes += key.getBytes(StandardCharsets.UTF_8).length + 1 + valueBytes;
        }
        assertThat(bytes).isLessThanOrEqualTo(32768);
        Set<Integer> hostPorts = new HashSet<>();
        for (PortMapping p : plan.spec().ports()) {
            assertThat(p.host()).isBetween(1, 65535);
            assertThat(p.container()).isBetween(1, 65535);
            assertThat(hostPorts.add(p.host())).as("host port %d mapped once", p.host()).isTrue();
        }
        if (!config.entries().containsKey("PORTS")) assertThat(plan.spec().ports()).isEmpty();
        assertThat(plan.spec().image()).isEqualTo(IMAGE.toString());
        assertThat(plan.spec().securityOpt()).containsExactly(ContainerRules.NO_NEW_PRIVILEGES);
    }
}
