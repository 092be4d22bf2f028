package org.dstack4j.launcher.nodeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.UserConfigFormat;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Numbers in the node config reach the node as the operator wrote them, or the launch stops: the TOML
 * library misreads 19-digit integers (jackson-dataformats-text #663), returns 16-hex-digit integers as
 * big integers, and drops a float's trailing zeros (3.0 would reach the node as the integer 3).
 */
class TomlNumbersTest {
    static ObjectNode node(String body) {
        TomlText.Result r = TomlText.read("[mpc_node_config]\n" + body + "\n");
        assertThat(r).isInstanceOf(TomlText.Parsed.class);
        return (ObjectNode) ((TomlText.Parsed) r).root().get("mpc_node_config");
    }

    static String rendered(String body) throws InputException {
        return NodeConfig.render(node(body), Platform.NONTEE, ImageDigest.of(new byte[0]), "/var/run/dstack.sock",
                "/mnt/shared/image-digest.bin").toml();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000000000000000001", "9223372036854775807", "-9223372036854775808", "+1_000_000_000_000_000_000",
            "[1, 4611686018427387904]", "{ x = 1000000000000000080 }"})
    void nineteenDigitIntegersAreRefusedNotMisread(String value) {
        TomlText.Result r = TomlText.read("# a comment\n[mpc_node_config]\nbig = " + value + "\n");
        assertThat(r).isInstanceOfSatisfying(TomlText.Failed.class, f -> {
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.column()).isBetween(7, 14);
            assertThat(f.reason()).contains("19 decimal digits").contains("hex");
        });
    }

    @Test
    void longDigitRunsInStringsCommentsAndFractionsAreNoIntegers() {
        ObjectNode n = node("""
                a = "1234567890123456789012"  # 98765432109876543210
                b = '1234567890123456789012'
                c = \"""
                x "" 1234567890123456789012 \\\""" ""\"
                d = '''1234567890123456789012'''
                e = 3.14159265358979323846264
                f = 999999999999999999""");
        assertThat(n.get("a").asText()).isEqualTo("1234567890123456789012");
        assertThat(n.get("b").asText()).isEqualTo("1234567890123456789012");
        assertThat(n.get("c").asText()).isEqualTo("x \"\" 1234567890123456789012 \"\"\" "); // \" then "" closes as """
        assertThat(n.get("d").asText()).isEqualTo("1234567890123456789012");
        assertThat(n.get("e").doubleValue()).isEqualTo(3.141592653589793);
        assertThat(n.get("f").longValue()).isEqualTo(999_999_999_999_999_999L);
    }

    @Test
    void sixtyFourBitHexIsReadExactlyAndWrittenAsAnInteger() throws Exception {
        assertThat(node("h = 0x7fffffffffffffff").get("h").isLong()).isTrue();
        assertThat(rendered("h = 0x7fffffffffffffff\no = 0o777")).contains("h = 9223372036854775807\n").contains("o = 511\n");
        assertThatThrownBy(() -> rendered("h = 0xffffffffffffffff"))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.input()).isEqualTo("mpc_node_config.h"));
    }

    @Test
    void floatsStayFloatsWithTheirBinary64Value() throws Exception {
        String toml = rendered("a = 3.0\nb = 1e300\nc = 0.1\nd = -2.5e-7\ne = 1e0\nf = [1.0, 2]");
        assertThat(toml).contains("a = 3.0\n").contains("b = 1.0E300\n").contains("c = 0.1\n").contains("d = -2.5E-7\n")
                .contains("e = 1.0\n").contains("f = [1.0, 2]\n");
        ObjectNode back = ((TomlText.Parsed) TomlText.read(toml)).root();
        assertThat(back.get("a").isDouble()).isTrue();
        assertThat(back.get("f").get(1).isIntegralNumber()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nan", "+inf", "-inf", "[1.0, nan]"})
    void nanAndInfAreRefusedBeforeAnythingIsContacted(String value) {
        assertThatThrownBy(() -> NodeConfig.check(node("x = " + value), Platform.TEE))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                    assertThat(e.input()).startsWith("mpc_node_config.x");
                    assertThat(e.getMessage()).contains("nan or inf");
                });
    }

    /** A user_config file whose port_mappings (line 3, from column 17) is {@code ports}. */
    static Path userConfig(Path dir, String ports) throws Exception {
        return Files.writeString(dir.resolve("user_config"), "[launcher_config]\nimage_reference = \"nearone/mpc-node\"\n"
                + "port_mappings = " + ports + "\n[mpc_node_config]\nhome_dir = \"/data\"\n");
    }

    @Test
    void aMisreadIntegerStopsTheUserConfigStepNamingLineAndColumn(@TempDir Path dir) throws Exception {
        Path file = userConfig(dir, "[{ host = 1000000000000000080, container = 80 }]");
        for (UserConfigFormat format : new UserConfigFormat[] {UserConfigFormat.TOML, UserConfigFormat.AUTO}) {
            assertThatThrownBy(() -> UserConfigReader.read(file, format))
                    .isInstanceOfSatisfying(InputException.class, e -> {
                        assertThat(e.step()).isEqualTo(LaunchStep.USER_CONFIG);
                        assertThat(e.oneLine()).contains("line 3, column 27").contains("19 decimal digits")
                                .doesNotContain("1000000000000000080");
                    });
        }
    }

    @Test
    void aTomlOneOneInlineTableGetsAFixNamingTheForm(@TempDir Path dir) throws Exception {
        Path file = userConfig(dir, "[{ host = 80, container = 80, }]");
        assertThatThrownBy(() -> UserConfigReader.read(file, UserConfigFormat.TOML))
                .isInstanceOfSatisfying(InputException.class, e -> assertThat(e.oneLine())
                        .contains("line 3").contains("inline table { ... } on one line without a trailing comma"));
    }
}
