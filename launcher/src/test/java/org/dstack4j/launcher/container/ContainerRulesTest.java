package org.dstack4j.launcher.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.UserConfig;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerRulesTest {
    static final ImageDigest IMAGE = ImageDigest.of(new byte[] {42});
    static final Path SOCKET = Path.of("/run/test/dstack.sock");
    static final Path TAPP = Path.of("/srv/tapp");

    private static ContainerPlan plan(String userConfig, Platform platform) throws InputException {
        return ContainerRules.build(UserConfig.parse(userConfig), IMAGE, platform, SOCKET, TAPP);
    }

    private static ContainerPlan plan(String userConfig) throws InputException {
        return plan(userConfig, Platform.NONTEE);
    }

    /** Passed user_config variables, without the launcher's own. */
    private static List<String> passed(ContainerPlan plan) {
        return plan.spec().env().stream().map(EnvVar::key)
                .filter(k -> !ContainerRules.RESERVED_KEYS.contains(k)).toList();
    }

    private static List<String> rejectedKeys(ContainerPlan plan) {
        return plan.rejected().stream().map(Rejection::key).toList();
    }

    @Test
    void fixedContainerSettings() throws Exception {
        ContainerSpec spec = plan("").spec();
        assertThat(spec.name()).isEqualTo("mpc-node");
        assertThat(spec.image()).isEqualTo("sha256:" + IMAGE.bareHex());
        assertThat(spec.securityOpt()).containsExactly("no-new-privileges:true");
        assertThat(spec.restartPolicy()).isEqualTo(RestartPolicy.ON_FAILURE);
        assertThat(spec.ports()).isEmpty();
    }

    @Test
    void nonTeeMountsAndEnv() throws Exception {
        ContainerSpec spec = plan("", Platform.NONTEE).spec();
        assertThat(spec.mounts()).containsExactly(
                Mount.bind("/srv/tapp", "/tapp", true),
                Mount.volume("shared-volume", "/mnt/shared"),
                Mount.volume("mpc-data", "/data"));
        assertThat(spec.env()).containsExactly(
                new EnvVar("MPC_IMAGE_HASH", IMAGE.bareHex(), false),
                new EnvVar("MPC_LATEST_ALLOWED_HASH_FILE", "/mnt/shared/image-digest.bin", false));
    }

    @Test
    void teeAddsDstackSocketAndEndpoint() throws Exception {
        ContainerSpec spec = plan("", Platform.TEE).spec();
        assertThat(spec.mounts()).containsExactly(
                Mount.bind("/srv/tapp", "/tapp", true),
                Mount.volume("shared-volume", "/mnt/shared"),
                Mount.volume("mpc-data", "/data"),
                Mount.bind("/run/test/dstack.sock", "/var/run/dstack.sock", false));
        assertThat(spec.env()).contains(new EnvVar("DSTACK_ENDPOINT", "/var/run/dstack.sock", false));
    }

    @Test
    void imageHashIsBareHexNotPrefixed() throws Exception {
        EnvVar hash = plan("").spec().env().stream().filter(e -> e.key().equals("MPC_IMAGE_HASH")).findFirst().orElseThrow();
        assertThat(hash.value()).hasSize(64).doesNotContain(":").isEqualTo(IMAGE.bareHex());
    }

    @Test
    void relativeHostPathsBecomeAbsolute() throws Exception {
        var p = ContainerRules.build(UserConfig.empty(), IMAGE, Platform.TEE, Path.of("rel.sock"), Path.of("tapp"));
        assertThat(p.spec().mounts()).allSatisfy(m -> {
            if (m.kind() == Mount.Kind.BIND) assertThat(Path.of(m.source())).isAbsolute();
        });
    }

    @Test
    void passesVariablesInUserConfigOrderThenLauncherVariables() throws Exception {
        var spec = plan("RUST_LOG=info\nMPC_ENV=testnet\nNEAR_BOOT_NODES=a@b:1,c@d:2\nMPC_ACCOUNT_ID=x.near").spec();
        assertThat(spec.env().stream().map(EnvVar::key)).containsExactly(
                "RUST_LOG", "MPC_ENV", "NEAR_BOOT_NODES", "MPC_ACCOUNT_ID", "MPC_IMAGE_HASH", "MPC_LATEST_ALLOWED_HASH_FILE");
        assertThat(spec.env().get(2).value()).isEqualTo("a@b:1,c@d:2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_ACCOUNT_ID", "MPC_LOCAL_ADDRESS", "MPC_SECRET_STORE_KEY", "MPC_CONTRACT_ID", "MPC_ENV",
            "MPC_HOME_DIR", "MPC_RESPONDER_ID", "MPC_BACKUP_ENCRYPTION_KEY_HEX", "NEAR_BOOT_NODES", "RUST_BACKTRACE",
            "RUST_LOG", "MPC_A", "MPC_9", "MPC__", "MPC_A_B_C_1_2_3"})
    void passesAllowedKeys(String key) throws Exception {
        var p = plan(key + "=v");
        assertThat(passed(p)).containsExactly(key);
        assertThat(p.rejected()).isEmpty();
    }

    @Test
    void keyLengthBoundary() throws Exception {
        String longest = "MPC_" + "K".repeat(64);
        assertThat(passed(plan(longest + "=v"))).containsExactly(longest);
        String tooLong = longest + "K";
        assertThat(rejectedKeys(plan(tooLong + "=v"))).containsExactly(tooLong);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_", "mpc_env", "MPC_env", "MPC-ENV", "MPC ENV", "MPC_ENV!", "XMPC_ENV", "PATH", "HOME",
            "LD_LIBRARY_PATH", "DOCKER_CONTENT_TRUST", "PLATFORM", "DEFAULT_IMAGE_DIGEST", "NEAR_BOOT_NODES_X",
            "RUST_LOG2", "rust_log", "Rust_Log", "MPC_ÄNV"})
    void rejectsKeysOutsideTheAllowList(String key) throws Exception {
        var p = ContainerRules.build(configOf(key, "v"), IMAGE, Platform.NONTEE, SOCKET, TAPP);
        assertThat(passed(p)).isEmpty();
        assertThat(p.rejected()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(key);
            assertThat(r.reason()).contains("not a container variable");
        });
    }

    private static UserConfig configOf(String key, String value) {
        return UserConfig.parse(key + "=" + value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_P2P_PRIVATE_KEY", "MPC_ACCOUNT_SK"})
    void neverPassesDeniedKeys(String key) throws Exception {
        var p = plan(key + "=ed25519:secret");
        assertThat(passed(p)).isEmpty();
        assertThat(p.rejected()).containsExactly(new Rejection(key, "never passed to the container"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_IMAGE_HASH", "MPC_LATEST_ALLOWED_HASH_FILE", "DSTACK_ENDPOINT"})
    void launcherValueWinsOverUserConfig(String key) throws Exception {
        var p = plan(key + "=/evil", Platform.TEE);
        assertThat(p.spec().env()).filteredOn(e -> e.key().equals(key)).singleElement()
                .satisfies(e -> assertThat(e.value()).isNotEqualTo("/evil"));
        assertThat(p.rejected()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(key);
            assertThat(r.reason()).contains("launcher");
        });
    }

    @Test
    void dstackEndpointIsNotPassedInNonTee() throws Exception {
        var p = plan("DSTACK_ENDPOINT=/var/run/dstack.sock", Platform.NONTEE);
        assertThat(p.spec().env()).noneMatch(e -> e.key().equals("DSTACK_ENDPOINT"));
        assertThat(rejectedKeys(p)).containsExactly("DSTACK_ENDPOINT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_IMAGE_NAME", "MPC_REGISTRY", "MPC_IMAGE_TAGS", "MPC_HASH_OVERRIDE",
            "RPC_REQUEST_TIMEOUT_SECS", "RPC_REQUEST_INTERVAL_SECS", "RPC_MAX_ATTEMPTS"})
    void launcherOnlyKeysAreConsumedNotPassed(String key) throws Exception {
        var p = plan(key + "=1");
        assertThat(passed(p)).isEmpty();
        assertThat(p.rejected()).isEmpty();
    }

    @Test
    void portsIsNotPassedAsEnv() throws Exception {
        var p = plan("PORTS=80:80");
        assertThat(p.spec().env()).noneMatch(e -> e.key().equals("PORTS"));
        assertThat(p.spec().ports()).containsExactly(new PortMapping(80, 80));
    }

    @Test
    void valueSizeBoundaryInBytes() throws Exception {
        assertThat(passed(plan("MPC_A=" + "x".repeat(1024)))).containsExactly("MPC_A");
        assertThat(plan("MPC_A=" + "x".repeat(1025)).rejected())
                .containsExactly(new Rejection("MPC_A", "value longer than 1024 bytes"));
    }

    @Test
    void valueSizeCountsUtf8Bytes() throws Exception {
        assertThat(passed(plan("MPC_A=" + "é".repeat(512)))).containsExactly("MPC_A");
        assertThat(rejectedKeys(plan("MPC_A=" + "x".repeat(1023) + "é"))).containsExactly("MPC_A");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "\u0001", "\u0007", "\u000b", "\u000c", "\u001b[31m", "\u001f", "\u007f", "\u0080",
            "\u0085", "\u009f"})
    void rejectsControlCharactersInValues(String control) throws Exception {
        var p = ContainerRules.build(configOf("MPC_A", "a" + control + "b"), IMAGE, Platform.NONTEE, SOCKET, TAPP);
        assertThat(passed(p)).isEmpty();
        assertThat(p.rejected()).containsExactly(new Rejection("MPC_A", "value contains a control character"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\tb", "ünïcödé", "emoji 😀", "with spaces", "'quoted'", "a=b", "\u00a0nbsp", "a\u2028b"})
    void acceptsPrintableValuesAndTab(String value) throws Exception {
        var p = ContainerRules.build(configOf("MPC_A", value), IMAGE, Platform.NONTEE, SOCKET, TAPP);
        // passed unchanged; MPC_A is not on the allow-list of printed keys, so it is masked in output
        assertThat(p.spec().env().getFirst()).isEqualTo(new EnvVar("MPC_A", value, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"LD_PRELOAD=/evil.so", "/lib/x:LD_PRELOAD", "ld_preload", "xLd_PrElOaDx"})
    void rejectsLdPreloadInValues(String value) throws Exception {
        assertThat(plan("MPC_A=" + value).rejected()).containsExactly(new Rejection("MPC_A", "value contains LD_PRELOAD"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_LD_PRELOAD", "MPC_X_LD_PRELOAD_Y", "LD_PRELOAD", "ld_preload"})
    void rejectsLdPreloadInKeys(String key) throws Exception {
        assertThat(plan(key + "=x").rejected()).containsExactly(new Rejection(key, "key contains LD_PRELOAD"));
    }

    @Test
    void emptyValueIsPassed() throws Exception {
        assertThat(plan("MPC_ENV=").spec().env().getFirst()).isEqualTo(new EnvVar("MPC_ENV", "", false));
    }

    @Test
    void rejectionEscapesControlCharactersInKeys() throws Exception {
        var p = ContainerRules.build(configOf("MPC\u0001X\u001b", "v"), IMAGE, Platform.NONTEE, SOCKET, TAPP);
        assertThat(rejectedKeys(p)).containsExactly("MPC\\u0001X\\u001b");
    }

    @Test
    void rejectionsNeverContainValues() throws Exception {
        var p = plan("""
                MPC_P2P_PRIVATE_KEY=ed25519:VERYSECRET1
                MPC_SECRET_STORE_KEY=VERYSECRET2\u0001
                MPC_IMAGE_HASH=VERYSECRET3
                OTHER=VERYSECRET4
                MPC_X=VERYSECRET5LD_PRELOAD
                """);
        assertThat(p.rejected()).hasSize(5).allSatisfy(r -> {
            assertThat(r.key()).doesNotContain("VERYSECRET");
            assertThat(r.reason()).doesNotContain("VERYSECRET");
        });
        assertThat(p.rejected().toString()).doesNotContain("VERYSECRET");
    }

    private static String vars(int count, int valueLength) {
        return IntStream.range(0, count).mapToObj(i -> String.format("MPC_V%02d=%s", i, "x".repeat(valueLength)))
                .collect(Collectors.joining("\n"));
    }

    @Test
    void variableCountBoundary() throws Exception {
        assertThat(passed(plan(vars(64, 1)))).hasSize(64);
        assertThatThrownBy(() -> plan(vars(65, 1)))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.getMessage()).contains("65", "64");
                });
    }

    @Test
    void rejectedAndLauncherEntriesDoNotCountTowardsTheCap() throws Exception {
        String config = vars(64, 1) + "\nBAD=1\nMPC_ACCOUNT_SK=x\nMPC_REGISTRY=r\nPORTS=1:1\nMPC_IMAGE_HASH=x";
        assertThat(passed(plan(config))).hasSize(64);
    }

    @Test
    void totalSizeBoundary() throws Exception {
        // "MPC_Vnn=" is 8 bytes: 32 variables of 8 + 1016 bytes = 32768 exactly.
        String exact = vars(32, 1016);
        assertThat(passed(plan(exact))).hasSize(32);
        assertThatThrownBy(() -> plan(exact + "\nMPC_Z="))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.getMessage()).contains("32768");
                });
        assertThatThrownBy(() -> plan(vars(31, 1016) + "\nMPC_V99=" + "x".repeat(1017)))
                .isInstanceOf(InputException.class);
    }

    @Test
    void capErrorsNameTheFileNotValues() throws Exception {
        var config = UserConfig.parse(vars(65, 3));
        assertThatThrownBy(() -> ContainerRules.build(config, IMAGE, Platform.NONTEE, SOCKET, TAPP))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.input()).isEqualTo("user_config");
                    assertThat(e.oneLine()).doesNotContain("xxx");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_SECRET_STORE_KEY", "MPC_BACKUP_ENCRYPTION_KEY_HEX", "MPC_API_TOKEN", "MPC_DB_PASSWORD",
            "MPC_MY_SECRET", "MPC_KEYRING", "MPC_SIGNING_KEY"})
    void flagsSecrets(String key) throws Exception {
        EnvVar v = plan(key + "=s3cr3t").spec().env().getFirst();
        assertThat(v.secret()).isTrue();
        assertThat(v.redacted()).isEqualTo(key + "=***");
        assertThat(v.toString()).doesNotContain("s3cr3t");
        assertThat(v.toEngine()).isEqualTo(key + "=s3cr3t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MPC_ACCOUNT_ID", "MPC_ENV", "NEAR_BOOT_NODES", "MPC_CONTRACT_ID"})
    void doesNotFlagOrdinaryVariables(String key) throws Exception {
        EnvVar v = plan(key + "=visible").spec().env().getFirst();
        assertThat(v.secret()).isFalse();
        assertThat(v.redacted()).isEqualTo(key + "=visible");
    }

    @Test
    void redactedEnvHidesEverySecret() throws Exception {
        var spec = plan("MPC_SECRET_STORE_KEY=aaaa1111\nMPC_BACKUP_ENCRYPTION_KEY_HEX=bbbb2222\nMPC_ENV=testnet").spec();
        assertThat(String.join(" ", spec.redactedEnv())).doesNotContain("aaaa1111", "bbbb2222").contains("MPC_ENV=testnet");
        assertThat(spec.toString()).doesNotContain("aaaa1111", "bbbb2222");
    }

    @Test
    void parsesPorts() throws Exception {
        var p = plan("PORTS=8080:8080,3030:3031,1:1,65535:65535");
        assertThat(p.spec().ports()).containsExactly(
                new PortMapping(8080, 8080), new PortMapping(3030, 3031), new PortMapping(1, 1), new PortMapping(65535, 65535));
        assertThat(p.rejected()).isEmpty();
    }

    @Test
    void emptyPortsMeansNoPorts() throws Exception {
        var p = plan("PORTS=");
        assertThat(p.spec().ports()).isEmpty();
        assertThat(p.rejected()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'80 :80'", "'80: 80'", "0:80", "80:0", "65536:80", "80:65536", "99999:1",
            "80-90:80-90", "[::1]:80:80", "127.0.0.1:80:80", "80:80:80", "--volume /:/mnt", "-p", "80", ":80", "80:",
            "123456:80", "80:123456", "80/tcp:80", "80:80/udp", "٨٠:٨٠", "+80:80", "-1:80", "0x50:80", "''"})
    void rejectsBadPortItems(String item) throws Exception {
        // between two good items, so that user_config trimming cannot touch the item's own spaces
        var p = ContainerRules.build(configOf("PORTS", "10:10," + item + ",20:20"), IMAGE, Platform.NONTEE, SOCKET, TAPP);
        assertThat(p.spec().ports()).containsExactly(new PortMapping(10, 10), new PortMapping(20, 20));
        assertThat(rejectedKeys(p)).containsExactly("PORTS[1]");
    }

    @Test
    void trimsEachPortItemAsTheReferenceLauncherDoes() throws Exception {
        // issue: "PORTS=80:80, 24567:24567" used to drop the second item
        var p = ContainerRules.build(configOf("PORTS", "80:80, 24567:24567 ,\t3030:3030"), IMAGE, Platform.NONTEE, SOCKET, TAPP);
        assertThat(p.spec().ports()).containsExactly(new PortMapping(80, 80), new PortMapping(24567, 24567), new PortMapping(3030, 3030));
        assertThat(p.rejected()).isEmpty();
    }

    @Test
    void skipsBadItemsAndKeepsGoodOnes() throws Exception {
        var p = plan("PORTS=80:80,-p 22:22,90:90,,100:100,");
        assertThat(p.spec().ports()).containsExactly(new PortMapping(80, 80), new PortMapping(90, 90), new PortMapping(100, 100));
        assertThat(rejectedKeys(p)).containsExactly("PORTS[1]", "PORTS[3]", "PORTS[5]");
    }

    @Test
    void leadingZerosAreDecimal() throws Exception {
        assertThat(plan("PORTS=0080:00443").spec().ports()).containsExactly(new PortMapping(80, 443));
    }

    @Test
    void duplicateHostPortIsRejected() throws Exception {
        var p = plan("PORTS=80:80,80:81,81:80");
        assertThat(p.spec().ports()).containsExactly(new PortMapping(80, 80), new PortMapping(81, 80));
        assertThat(p.rejected()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("PORTS[1]");
            assertThat(r.reason()).contains("PORTS[0]");
        });
    }

    @Test
    void isSecretRule() {
        assertThat(ContainerRules.isSecret("MPC_SECRET_STORE_KEY")).isTrue();
        assertThat(ContainerRules.isSecret("RUST_LOG")).isTrue(); // a filter may hold a token (issue 16)
        assertThat(ContainerRules.isSecret("MPC_ACCOUNT_ID")).isFalse();
        assertThat(ContainerRules.isSecret("my_token")).isTrue();
    }
}
