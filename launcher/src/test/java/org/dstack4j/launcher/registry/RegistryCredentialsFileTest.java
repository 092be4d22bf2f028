package org.dstack4j.launcher.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsFileTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return file;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAuthAndUsernamePasswordEntries() throws Exception {
        Path file = write("{\"auths\":{"
                + "\"127.0.0.1:5000\":{\"auth\":\"" + b64("alice:pa:ss") + "\"},"
                + "\"Registry.Example.com\":{\"username\":\"bob\",\"password\":\"pw\"},"
                + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("carol:x") + "\"}},"
                + "\"credsStore\":\"desktop\"}");

        Map<String, RegistryCredentials> creds = RegistryCredentialsFile.load(file);

        assertThat(creds).containsOnly(
                Map.entry("127.0.0.1:5000", new RegistryCredentials("alice", "pa:ss")),
                Map.entry("registry.example.com", new RegistryCredentials("bob", "pw")),
                Map.entry("index.docker.io", new RegistryCredentials("carol", "x")));
    }

    @Test
    void noAuthsIsEmpty() throws Exception {
        assertThat(RegistryCredentialsFile.load(write("{}"))).isEmpty();
    }

    @Test
    void invalidJsonNamesPathAndPositionButNotContent() throws Exception {
        Path file = write("{\"auths\":{\"h\":{\"auth\": hunter2secret}}}");

        InputException e = catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(file));

        assertThat(e.step()).isEqualTo(LaunchStep.REGISTRY);
        assertThat(e.input()).isEqualTo(file.toString());
        assertThat(e.getMessage()).contains("not valid JSON at line 1");
        assertThat(e.oneLine()).doesNotContain("hunter2");
        assertThat(e.getCause()).isNull();
        assertThat(e.fix()).contains("--registry-credentials");
    }

    @Test
    void badBase64IsRejectedWithoutEchoingIt() throws Exception {
        Path file = write("{\"auths\":{\"h:1\":{\"auth\":\"%%%secret%%%\"}}}");

        InputException e = catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(file));

        assertThat(e.getMessage()).contains("h:1").contains("base64");
        assertThat(e.oneLine()).doesNotContain("secret");
    }

    @Test
    void authWithoutColonIsRejected() throws Exception {
        Path file = write("{\"auths\":{\"h\":{\"auth\":\"" + b64("justapassword") + "\"}}}");

        InputException e = catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(file));

        assertThat(e.getMessage()).contains("user:password");
        assertThat(e.oneLine()).doesNotContain("justapassword");
    }

    @Test
    void entryWithoutCredentialsIsRejected() throws Exception {
        Path file = write("{\"auths\":{\"h\":{\"identitytoken\":\"t\"}}}");

        assertThat(catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(file)).getMessage())
                .contains("entry for h");
    }

    @Test
    void sameRegistryTwiceIsRejected() throws Exception {
        Path file = write("{\"auths\":{\"H:1\":{\"username\":\"a\",\"password\":\"b\"},\"h:1\":{\"username\":\"c\",\"password\":\"d\"}}}");

        assertThat(catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(file)).getMessage())
                .contains("listed twice");
    }

    @Test
    void missingFileIsAnInputError() {
        Path missing = dir.resolve("nope.json");

        InputException e = catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(missing));

        assertThat(e.input()).isEqualTo(missing.toString());
        assertThat(e.getMessage()).contains("cannot read");
    }

    @Test
    void oversizeFileIsRejected() throws Exception {
        Path file = dir.resolve("big.json");
        Files.write(file, new byte[(int) RegistryCredentialsFile.MAX_FILE_BYTES + 1]);

        assertThat(catchThrowableOfType(InputException.class, () -> RegistryCredentialsFile.load(file)).getMessage())
                .contains("larger than");
    }

    @Test
    void credentialsToStringHidesPassword() {
        assertThat(new RegistryCredentials("u", "topsecret").toString()).doesNotContain("topsecret");
    }
}
