package org.dstack4j.launcher.nodeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.UserConfigFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --user-config-format auto|toml|env: detection, missing files, files that are neither. */
class UserConfigReaderTest {
    @TempDir
    Path dir;

    Path file(String text) throws Exception {
        return Files.writeString(dir.resolve("user_config"), text);
    }

    @Test
    void autoReadsTheOperatorTemplateAsToml() throws Exception {
        Path f = Files.copy(TomlUserConfigTest.fixture(), dir.resolve("user_config"));
        assertThat(UserConfigReader.read(f, UserConfigFormat.AUTO)).isInstanceOf(UserConfigReader.TomlFormat.class);
    }

    @Test
    void autoReadsKeyValueLinesAsEnv() throws Exception {
        // RPC_MAX_ATTEMPTS=5 alone is valid TOML too, but has no [launcher_config]: .env
        for (String text : new String[] {"MPC_ACCOUNT_ID=node.testnet\nPORTS=80:80\n", "RPC_MAX_ATTEMPTS=5\n", "# only a comment\n", ""}) {
            var read = UserConfigReader.read(file(text), UserConfigFormat.AUTO);
            assertThat(read).as(text).isInstanceOf(UserConfigReader.EnvFormat.class);
        }
        var env = (UserConfigReader.EnvFormat) UserConfigReader.read(file("MPC_ACCOUNT_ID=n\n"), UserConfigFormat.AUTO);
        assertThat(env.config().get("MPC_ACCOUNT_ID")).contains("n");
        assertThat(env.config().source()).contains(dir.resolve("user_config"));
    }

    @Test
    void missingFileIsEmptyInEnvAndAutoButAnErrorInToml() throws Exception {
        Path missing = dir.resolve("absent");
        assertThat(((UserConfigReader.EnvFormat) UserConfigReader.read(missing, UserConfigFormat.AUTO)).config().entries()).isEmpty();
        assertThat(((UserConfigReader.EnvFormat) UserConfigReader.read(missing, UserConfigFormat.ENV)).config().entries()).isEmpty();
        assertThatThrownBy(() -> UserConfigReader.read(missing, UserConfigFormat.TOML))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.getMessage()).contains("absent").contains("TOML mode");
                });
    }

    @Test
    void envFormatIsNeverReadAsToml() throws Exception {
        var read = UserConfigReader.read(file("[launcher_config]\nimage_reference = \"x\"\n"), UserConfigFormat.ENV);
        assertThat(read).isInstanceOf(UserConfigReader.EnvFormat.class);
    }

    @Test
    void brokenTomlNamesLineAndColumnOnlyNeverTheText() throws Exception {
        String secret = "ghp_SuperSecretToken123";
        Path f = file("[launcher_config]\nimage_reference = \"x\"\ntoken = " + secret + "\n");
        for (UserConfigFormat format : new UserConfigFormat[] {UserConfigFormat.AUTO, UserConfigFormat.TOML}) {
            assertThatThrownBy(() -> UserConfigReader.read(f, format))
                    .isInstanceOfSatisfying(InputException.class, e -> {
                        assertThat(e.getMessage()).contains("not valid TOML at line 3, column");
                        assertThat(e.oneLine()).doesNotContain(secret).doesNotContain("ghp_");
                    });
        }
    }

    @Test
    void aFileThatIsNeitherSaysSoNamingBothErrors() throws Exception {
        Path f = file("just some words\nand more\n");
        assertThatThrownBy(() -> UserConfigReader.read(f, UserConfigFormat.AUTO))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.getMessage())
                        .contains("neither TOML (not valid TOML at line 1").contains("nor .env (line 1 is not KEY=VALUE)")
                        .doesNotContain("words"));
    }
}
