package org.dstack4j.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserConfigTest {
    @TempDir
    Path dir;

    @Test
    void parsesKeyValueLines() {
        var config = UserConfig.parse("A=1\nB=two\n");
        assertThat(config.entries()).containsExactly(entry("A", "1"), entry("B", "two"));
        assertThat(config.source()).isEmpty();
    }

    @Test
    void trimsLineKeyAndValue() {
        var config = UserConfig.parse("   A   =   spaced value \t \n\tB=\t1\t");
        assertThat(config.entries()).containsExactly(entry("A", "spaced value"), entry("B", "1"));
    }

    @Test
    void skipsBlankCommentAndLinesWithoutEquals() {
        var config = UserConfig.parse("\n   \n# C=3\n   # D=4\nno equals here\nA=1\n\t\n");
        assertThat(config.entries()).containsExactly(entry("A", "1"));
    }

    @Test
    void splitsAtFirstEquals() {
        assertThat(UserConfig.parse("A=b=c==d").get("A")).contains("b=c==d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"=value", "  =value", " \t = value", "="})
    void skipsEmptyKey(String line) {
        assertThat(UserConfig.parse(line + "\nA=1").entries()).containsExactly(entry("A", "1"));
    }

    @Test
    void keepsEmptyValue() {
        assertThat(UserConfig.parse("A=\nB=   ").entries()).containsExactly(entry("A", ""), entry("B", ""));
    }

    @Test
    void lastDuplicateWinsAndKeepsFirstPosition() {
        var config = UserConfig.parse("A=1\nB=2\nA=3\nC=4\nA=5");
        assertThat(config.entries()).containsExactly(entry("A", "5"), entry("B", "2"), entry("C", "4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"x\"", "'x'", "\"x", "\"a b\" # not a comment", "$HOME", "${X:-y}", "`id`"})
    void doesNoQuoteOrShellProcessing(String value) {
        assertThat(UserConfig.parse("A=" + value).get("A")).contains(value);
    }

    @Test
    void hashInsideValueIsNotAComment() {
        assertThat(UserConfig.parse("A=b # c").get("A")).contains("b # c");
    }

    @Test
    void keysAreTakenLiterally() {
        var config = UserConfig.parse("export A=1\nMY KEY=2\nlower=3");
        assertThat(config.entries()).containsExactly(entry("export A", "1"), entry("MY KEY", "2"), entry("lower", "3"));
    }

    @Test
    void acceptsCrLfAndLoneCr() {
        assertThat(UserConfig.parse("A=1\r\nB=2\rC=3\r\n").entries())
                .containsExactly(entry("A", "1"), entry("B", "2"), entry("C", "3"));
    }

    @Test
    void stripsByteOrderMark() {
        assertThat(UserConfig.parse("\uFEFFA=1\nB=2").entries()).containsExactly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void keepsControlCharactersInsideValuesForTheContainerRulesToJudge() {
        assertThat(UserConfig.parse("A=x\u0001y").get("A")).contains("x\u0001y");
    }

    @Test
    void emptyTextIsEmptyConfig() {
        assertThat(UserConfig.parse("").entries()).isEmpty();
        assertThat(UserConfig.empty().entries()).isEmpty();
    }

    @Test
    void entriesAreUnmodifiable() {
        var config = UserConfig.parse("A=1");
        assertThatThrownBy(() -> config.entries().put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toStringShowsKeysNeverValues() {
        var config = UserConfig.parse("MPC_SECRET_STORE_KEY=topsecretvalue\nMPC_ENV=testnet");
        assertThat(config.toString()).contains("MPC_SECRET_STORE_KEY", "MPC_ENV")
                .doesNotContain("topsecretvalue").doesNotContain("testnet");
    }

    @Test
    void missingFileIsEmptyConfig() throws Exception {
        var config = UserConfig.load(dir.resolve("user_config"));
        assertThat(config.entries()).isEmpty();
        assertThat(config.source()).isEmpty();
    }

    @Test
    void loadsFileAndRecordsSource() throws Exception {
        Path file = Files.writeString(dir.resolve("user_config"), "\uFEFFMPC_ENV=testnet\r\nRUST_LOG=info\r\n");
        var config = UserConfig.load(file);
        assertThat(config.entries()).containsExactly(entry("MPC_ENV", "testnet"), entry("RUST_LOG", "info"));
        assertThat(config.source()).contains(file);
    }

    @Test
    void directoryIsAnError() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("user_config"));
        assertThatThrownBy(() -> UserConfig.load(sub))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.input()).isEqualTo(sub.toString());
                    assertThat(e.getMessage()).contains("directory");
                });
    }

    @Test
    void fileAtTheSizeCapIsAccepted() throws Exception {
        String line = "MPC_A=" + "x".repeat(UserConfig.MAX_BYTES - 6);
        Path file = Files.writeString(dir.resolve("user_config"), line);
        assertThat(Files.size(file)).isEqualTo(UserConfig.MAX_BYTES);
        assertThat(UserConfig.load(file).get("MPC_A")).hasValueSatisfying(v -> assertThat(v).hasSize(UserConfig.MAX_BYTES - 6));
    }

    @Test
    void fileOverTheSizeCapIsAnError() throws IOException {
        Path file = Files.writeString(dir.resolve("user_config"), "A=" + "x".repeat(UserConfig.MAX_BYTES - 1));
        assertThat(Files.size(file)).isEqualTo(UserConfig.MAX_BYTES + 1);
        assertThatThrownBy(() -> UserConfig.load(file))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.getMessage()).contains(Integer.toString(UserConfig.MAX_BYTES));
                });
    }

    @Test
    void invalidUtf8IsAnErrorThatDoesNotEchoContent() throws IOException {
        byte[] secret = "MPC_SECRET_STORE_KEY=hunter2".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(secret, secret.length + 2);
        bytes[secret.length] = (byte) 0xc3;
        bytes[secret.length + 1] = (byte) 0x28;
        Path file = Files.write(dir.resolve("user_config"), bytes);
        assertThatThrownBy(() -> UserConfig.load(file))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.getMessage()).contains("UTF-8").doesNotContain("hunter2");
                    assertThat(e.oneLine()).doesNotContain("hunter2");
                });
    }

    @Test
    void symlinkToFileIsFollowed() throws Exception {
        Path target = Files.writeString(dir.resolve("real"), "MPC_ENV=mainnet");
        Path link = Files.createSymbolicLink(dir.resolve("user_config"), target);
        assertThat(UserConfig.load(link).get("MPC_ENV")).contains("mainnet");
    }

    @Test
    void brokenSymlinkIsAnError() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("user_config"), dir.resolve("nowhere"));
        assertThatThrownBy(() -> UserConfig.load(link))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.getMessage()).contains("symbolic link"));
    }

    @Test
    void fifoIsRejectedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("user_config");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(p.waitFor()).as("mkfifo (coreutils)").isZero();
        assertThatThrownBy(() -> UserConfig.load(fifo))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.getMessage()).contains("not a regular file"));
    }

    /**
     * Root reads any file, so the load runs in a child JVM without the capabilities that let root ignore
     * permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped with setpriv); as any other user the
     * child already lacks them. The file is mode 000 and owned by this process's user.
     */
    @Test
    void unreadableFileIsAnError() throws Exception {
        Path file = Files.writeString(dir.resolve("user_config"), "A=1");
        Files.setPosixFilePermissions(file, java.util.Set.of());
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("setpriv", "--inh-caps=-all",
                "--bounding-set=-dac_override,-dac_read_search", "--"));
        cmd.addAll(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), UserConfigLoadProbe.class.getName(), file.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("the child could not read the file").contains("probe: not readable");
        assertThat(out).contains("probe: InputException").contains("cannot be read");
    }

    @Test
    void symlinkLoopIsAnError() throws IOException {
        Path a = dir.resolve("user_config");
        Path b = dir.resolve("other");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertThatThrownBy(() -> UserConfig.load(a))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.getMessage()).contains("cannot be read"));
    }
}
