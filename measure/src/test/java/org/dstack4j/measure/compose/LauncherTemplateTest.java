package org.dstack4j.measure.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import org.dstack4j.measure.Fixtures;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.sdk.Hex;
import org.junit.jupiter.api.Test;

class LauncherTemplateTest {
    private static String template() throws Exception {
        return Files.readString(Fixtures.dir().resolve("operator/launcher_docker_compose.yaml.template"));
    }

    @Test
    void rendersTheContractTemplateVectorToItsHash() throws Exception {
        JsonNode v = Fixtures.vectors().get("launcher_compose_template_render");
        String launcher = v.get("launcher_hex").asText();
        String mpc = v.get("mpc_hex").asText();
        String out = LauncherTemplate.render(template(), "sha256:" + launcher, "sha256:" + mpc);
        assertThat(Hex.encode(LauncherTemplate.hash(out))).isEqualTo(v.get("sha256_computed_here").asText());
        assertThat(out).contains("nearone/mpc-launcher@sha256:" + launcher).contains("DEFAULT_IMAGE_DIGEST=sha256:" + mpc)
                .doesNotContain("{{");
        // Upper-case input and no prefix render the same bytes; the digests are not interchangeable.
        assertThat(LauncherTemplate.render(template(), launcher.toUpperCase(), mpc)).isEqualTo(out);
        assertThat(LauncherTemplate.render(template(), "sha256:" + mpc, "sha256:" + launcher)).isNotEqualTo(out);
    }

    @Test
    void refusesBadDigestsAndUnknownTemplates() {
        String good = "sha256:" + "ab".repeat(32);
        assertThatThrownBy(() -> LauncherTemplate.render(template(), "sha256:abc", good))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("--launcher-digest");
        assertThatThrownBy(() -> LauncherTemplate.render("image: x", good, good))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("{{LAUNCHER_IMAGE_HASH}}");
        assertThatThrownBy(() -> LauncherTemplate.render(template() + "{{OTHER}}", good, good))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("{{OTHER}}");
    }
}
