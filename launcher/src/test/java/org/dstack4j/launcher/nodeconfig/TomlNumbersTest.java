package org.dstack4j.launcher.nodeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
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
 * library returns 16-hex-digit integers as big integers and drops a float's trailing zeros (3.0 would
 * reach the node as the integer 3); before 2.23 it also misread 19-digit integers
 * (jackson-dataformats-text #663), pinned here so a downgrade fails.
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
            "1000000000000000080"})
    void nineteenDigitIntegersAreReadExactlyAndWrittenBackUnchanged(String value) throws Exception {
        long expected = Long.parseLong(value.replace("_", "").replace("+", ""));
        JsonNode big = node("big = " + value).get("big");
        assertThat(big.isIntegralNumber()).isTrue();
        assertThat(big.longValue()).isEqualTo(expected);
        assertThat(rendered("big = " + value)).contains("big = " + expected + "\n");
    }

    @Test
    void nineteenDigitIntegersInsideArraysAndInlineTablesAreReadExactly() {
        ObjectNode n = node("a = [1, 4611686018427387904]\nt = { x = 1000000000000000080 }");
        assertThat(n.get("a").get(1).longValue()).isEqualTo(4_611_686_018_427_387_904L);
        assertThat(n.get("t").get("x").longValue()).isEqualTo(1_000_000_000_000_000_080L);
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
    void aNineteenDigitPortIsRefusedAsOutOfRangeNotReadAsAnotherPort(@TempDir Path dir) throws Exception {
        // 2.20-2.22 read 1000000000000000080 as 80: the launch would have published port 80
        Path file = userConfig(dir, "[{ host = 1000000000000000080, container = 80 }]");
        for (UserConfigFormat format : new UserConfigFormat[] {UserConfigFormat.TOML, UserConfigFormat.AUTO}) {
            assertThatThrownBy(() -> UserConfigReader.read(file, format)).isInstanceOfSatisfying(InputException.class,
                    e -> assertThat(e.oneLine()).contains("port_mappings[0].host is not a port in 1..65535: 1000000000000000080"));
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
