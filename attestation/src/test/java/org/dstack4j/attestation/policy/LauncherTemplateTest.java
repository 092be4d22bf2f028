package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's launcher compose template (fixtures/operator, near/mpc @ b0b6b7167) renders as the contract
 * renders it: the operator vector, and each real capture's measured compose from the template of its time.
 */
class LauncherTemplateTest {
    private static final Pattern LAUNCHER_IMAGE = Pattern.compile("nearone/mpc-launcher@sha256:([0-9a-f]{64})");
    private static final Pattern DEFAULT_DIGEST = Pattern.compile("DEFAULT_IMAGE_DIGEST=sha256:([0-9a-f]{64})");

    @TempDir
    Path tmp;

    private static Path operator() {
        return MpcFixtures.root().resolveSibling("operator");
    }

    private static LauncherTemplate contractTemplate() throws Exception {
        return LauncherTemplate.read(operator().resolve("launcher_docker_compose.yaml.template"));
    }

    private static String measuredCompose(MpcFixtures.Fixture f) throws Exception {
        return MpcFixtures.JSON.readTree(f.tcbInfo().get("app_compose").textValue()).get("docker_compose_file").textValue();
    }

    private static String first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertThat(m.find()).as("%s in the compose", p).isTrue();
        return m.group(1);
    }

    private static MpcFixtures.Fixture capture(String date) {
        return MpcFixtures.all().stream().filter(f -> f.date().equals(date)).findFirst().orElseThrow();
    }

    @Test
    void theOperatorRenderVectorMatches() throws Exception {
        JsonNode v = MpcFixtures.JSON.readTree(operator().resolve("vectors.json").toFile()).get("launcher_compose_template_render");
        LauncherTemplate t = contractTemplate();
        assertThat(t.namesLauncherImage()).isTrue();
        LauncherRendering r = t.rendering(Optional.of(v.get("launcher_hex").asText()), v.get("mpc_hex").asText());
        assertThat(r.composeHash()).isEqualTo(v.get("sha256_computed_here").asText());
        // digests are accepted with sha256: and in upper case, and always rendered as 64 lowercase hex
        LauncherRendering prefixed = t.rendering(Optional.of("sha256:" + v.get("launcher_hex").asText().toUpperCase()),
                "SHA256:" + v.get("mpc_hex").asText());
        assertThat(prefixed).isEqualTo(r);
        String rendered = t.render(Optional.of(v.get("launcher_hex").asText()), v.get("mpc_hex").asText());
        assertThat(rendered).doesNotContain("{{").contains("nearone/mpc-launcher@sha256:" + v.get("launcher_hex").asText())
                .contains("DEFAULT_IMAGE_DIGEST=sha256:" + v.get("mpc_hex").asText());
    }

    @Test
    void theMarch2026CaptureIsItsTimesTemplateRendered() throws Exception {
        // near/mpc's template at d84519915 mounted shared-volume read-only; b0b6b7167's mounts it read-write
        MpcFixtures.Fixture f = capture("2026-03-23");
        String compose = measuredCompose(f);
        LauncherTemplate then = new LauncherTemplate(contractTemplate().text().replace("shared-volume:/mnt/shared:rw",
                "shared-volume:/mnt/shared:ro"), "template @d84519915");
        String launcher = first(LAUNCHER_IMAGE, compose);
        String mpc = Forge.payload(f.tree(), "mpc-image-digest");
        assertThat(then.render(Optional.of(launcher), mpc)).isEqualTo(compose);
        // today's template gives another hash for the same pair: the compose hash pins the template too
        assertThat(contractTemplate().rendering(Optional.of(launcher), mpc).composeHash()).isNotEqualTo(Forge.sha256(compose));
    }

    @Test
    void theNovember2025CaptureIsATemplateWithAFixedLauncherImage() throws Exception {
        // near/mpc's template at 169cbbc7d: the launcher image written in, no PLATFORM, shared-volume read-only
        MpcFixtures.Fixture f = capture("2025-11-21");
        String compose = measuredCompose(f);
        String launcher = first(LAUNCHER_IMAGE, compose);
        String text = contractTemplate().text().replace(LauncherTemplate.LAUNCHER_PLACEHOLDER, launcher)
                .replace("      - PLATFORM=TEE\n", "").replace("shared-volume:/mnt/shared:rw", "shared-volume:/mnt/shared:ro");
        LauncherTemplate then = new LauncherTemplate(text, "template @169cbbc7d");
        assertThat(then.namesLauncherImage()).isFalse();
        String mpc = Forge.payload(f.tree(), "mpc-image-digest");
        List<LauncherRendering> all = then.renderAll(Set.of(), Set.of(mpc));
        assertThat(all).singleElement().satisfies(r -> {
            assertThat(r.composeHash()).isEqualTo(Forge.sha256(compose));
            assertThat(r.launcherDigest()).isEmpty();
            assertThat(r.describe()).startsWith("fixed launcher image, MPC image sha256:" + mpc);
        });
        assertThatThrownBy(() -> then.renderAll(Set.of(launcher), Set.of(mpc))).isInstanceOf(PolicyFormatException.class)
                .hasMessageContaining("fixed launcher image").hasMessageContaining("drop --allowed-launcher-image-hashes");
    }

    @Test
    void theAugust2026CaptureIsTheTemplatePlusAKeyExportServiceSoTheContractCannotDeriveIt() throws Exception {
        MpcFixtures.Fixture f = capture("2026-08-14");
        String compose = measuredCompose(f);
        String launcher = first(LAUNCHER_IMAGE, compose);
        String mpc = Forge.payload(f.tree(), "mpc-image-digest");
        assertThat(first(DEFAULT_DIGEST, compose)).isEqualTo(mpc);
        String rendered = contractTemplate().render(Optional.of(launcher), mpc);
        assertThat(Forge.sha256(rendered)).isNotEqualTo(Forge.sha256(compose));
        // without its signer-key-export service it is exactly today's template rendered
        int start = compose.indexOf("  # Prints the node's in-enclave signer key");
        int end = compose.indexOf("volumes:\n  shared-volume:");
        assertThat(start).isPositive();
        assertThat(compose.substring(0, start) + compose.substring(end)).isEqualTo(rendered);
    }

    @Test
    void launchersTimesMpcDigestsAreEveryPairInOrder() throws Exception {
        LauncherTemplate t = contractTemplate();
        Set<String> launchers = new LinkedHashSet<>(List.of("11".repeat(32), "22".repeat(32)));
        Set<String> mpcs = new LinkedHashSet<>(List.of("aa".repeat(32), "bb".repeat(32), "cc".repeat(32)));
        List<LauncherRendering> all = t.renderAll(launchers, mpcs);
        assertThat(all).hasSize(6);
        assertThat(all).extracting(LauncherRendering::composeHash).doesNotHaveDuplicates();
        assertThat(all.get(4).launcherDigest()).contains("22".repeat(32));
        assertThat(all.get(4).mpcDigest()).isEqualTo("bb".repeat(32));
        assertThat(all.get(4).composeHash()).isEqualTo(Forge.sha256(t.text()
                .replace("{{LAUNCHER_IMAGE_HASH}}", "22".repeat(32)).replace("{{DEFAULT_IMAGE_DIGEST_HASH}}", "bb".repeat(32))));
    }

    @Test
    void everyPlaceholderOccurrenceIsReplacedAndTheRestKeptByteForByte() {
        LauncherTemplate t = new LauncherTemplate("a: {{LAUNCHER_IMAGE_HASH}}\r\nb: {{LAUNCHER_IMAGE_HASH}} {{DEFAULT_IMAGE_DIGEST_HASH}}\r\n"
                + "c: {{OTHER}} {{DEFAULT_IMAGE_DIGEST_HASH}}", "t");
        assertThat(t.render(Optional.of("11".repeat(32)), "22".repeat(32))).isEqualTo("a: " + "11".repeat(32) + "\r\nb: "
                + "11".repeat(32) + " " + "22".repeat(32) + "\r\nc: {{OTHER}} " + "22".repeat(32));
    }

    @Test
    void inputsThatDoNotFitTheTemplateAreErrorsNamingTheFix() throws Exception {
        LauncherTemplate t = contractTemplate();
        assertThatThrownBy(() -> t.renderAll(Set.of(), Set.of("aa".repeat(32)))).isInstanceOf(PolicyFormatException.class)
                .hasMessageContaining("--allowed-launcher-image-hashes");
        assertThatThrownBy(() -> t.renderAll(Set.of("11".repeat(32)), Set.of())).isInstanceOf(PolicyFormatException.class)
                .hasMessageContaining("--allowed-image-hashes");
        assertThatThrownBy(() -> t.render(Optional.of("11".repeat(31)), "aa".repeat(32))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64 hex");

        Path none = Files.writeString(tmp.resolve("plain.yaml"), "services: {}\n");
        assertThatThrownBy(() -> LauncherTemplate.read(none)).isInstanceOf(PolicyFormatException.class)
                .hasMessageContaining(none.toString()).hasMessageContaining("{{DEFAULT_IMAGE_DIGEST_HASH}}");
        Path latin1 = Files.write(tmp.resolve("latin1.yaml"), "x: \u00e9 {{DEFAULT_IMAGE_DIGEST_HASH}}".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> LauncherTemplate.read(latin1)).isInstanceOf(PolicyFormatException.class).hasMessageContaining("UTF-8");
        Path big = Files.writeString(tmp.resolve("big.yaml"), "{{DEFAULT_IMAGE_DIGEST_HASH}}" + "#".repeat(LauncherTemplate.MAX_BYTES));
        assertThatThrownBy(() -> LauncherTemplate.read(big)).isInstanceOf(PolicyFormatException.class).hasMessageContaining("larger");
    }

    @Test
    void aPolicyWithRenderingsPassesTheMarch2026CaptureAndSaysWhichLauncherItRuns() throws Exception {
        MpcFixtures.Fixture f = capture("2026-03-23");
        ObjectNode tree = f.tree();
        String compose = measuredCompose(f);
        String launcher = first(LAUNCHER_IMAGE, compose);
        String mpc = Forge.payload(tree, "mpc-image-digest");
        LauncherTemplate then = new LauncherTemplate(contractTemplate().text().replace(":rw\n", ":ro\n"), "template @d84519915");
        MpcPolicy base = Forge.ownPolicy(tree).withLauncherComposeHashes(Set.of("ee".repeat(32)));
        Set<String> mpcs = new LinkedHashSet<>(List.of(mpc, "aa".repeat(32)));

        MpcPolicy allowed = base.withImageHashes(mpcs).withLauncherRenderings(then.renderAll(Set.of("11".repeat(32), launcher), mpcs));
        assertThat(allowed.allowedLauncherComposeHashes()).hasSize(5).contains("ee".repeat(32));
        AppVerification ok = MpcAppVerifier.verify(f.parse(), allowed);
        assertThat(ok.failures()).isEmpty();
        assertThat(ok.check(MpcAppVerifier.LAUNCHER_COMPOSE_HASH).map(Check::detail).orElseThrow())
                .contains("launcher image sha256:" + launcher, "MPC image sha256:" + mpc, "template @d84519915");

        MpcPolicy otherLauncher = base.withImageHashes(mpcs).withLauncherRenderings(then.renderAll(Set.of("11".repeat(32)), mpcs));
        AppVerification rejected = MpcAppVerifier.verify(f.parse(), otherLauncher);
        assertThat(rejected.failures()).extracting(Check::name).containsExactly(MpcAppVerifier.LAUNCHER_COMPOSE_HASH);
        assertThat(rejected.failures().getFirst().detail()).contains("not among the 3 allowed", "2 of them rendered from the launcher template");

        // today's template (shared-volume rw) does not render what that node measured
        MpcPolicy today = base.withImageHashes(mpcs).withLauncherRenderings(contractTemplate().renderAll(Set.of(launcher), mpcs));
        assertThat(MpcAppVerifier.verify(f.parse(), today).failures()).extracting(Check::name)
                .containsExactly(MpcAppVerifier.LAUNCHER_COMPOSE_HASH);
        assertThatThrownBy(() -> new MpcPolicy(mpcs, Set.of("ee".repeat(32)), List.of(), Optional.empty(),
                java.util.Map.of("ff".repeat(32), then.rendering(Optional.of(launcher), mpc))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
