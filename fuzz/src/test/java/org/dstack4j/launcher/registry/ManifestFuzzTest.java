package org.dstack4j.launcher.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.dstack4j.launcher.registry.ManifestParser.InvalidManifestException;

/**
 * Fuzzes the registry's manifest parser (OCI index and manifest, Docker manifest list and v2
 * manifest) with an arbitrary body and {@code Content-Type}. Only
 * {@link InvalidManifestException} (which {@link RegistryClient} turns into a
 * {@code RegistryException}) may escape. This class lives in the parser's package because the
 * parser is package-private.
 *
 * <p>Input layout: the first byte picks the {@code Content-Type} from {@link #CONTENT_TYPES}
 * (modulo its size), the rest is the body. An accepted manifest has one of the four accepted media
 * types, agrees with a specific {@code Content-Type}, has {@code schemaVersion} 2 by an independent
 * Jackson reading, and an index has one entry per element of {@code manifests}.
 *
 * <p>Seeds: real-shaped OCI index, Docker manifest list, OCI manifest, Docker v2 manifest, each
 * with a matching, generic and missing {@code Content-Type}; a schema 1 manifest.
 */
class ManifestFuzzTest {
    /** Content types the first input byte chooses from; empty = no header. */
    static final List<Optional<String>> CONTENT_TYPES = List.of(
            Optional.empty(),
            Optional.of("application/json"),
            Optional.of(MediaTypes.OCI_INDEX),
            Optional.of(MediaTypes.OCI_MANIFEST),
            Optional.of(MediaTypes.DOCKER_LIST),
            Optional.of(MediaTypes.DOCKER_MANIFEST),
            Optional.of("Application/VND.OCI.image.manifest.v1+json; charset=utf-8"),
            Optional.of("application/vnd.docker.distribution.manifest.v1+prettyjws"),
            Optional.of(""));

    private static final ObjectMapper PLAIN = new ObjectMapper();

    @FuzzTest(maxDuration = "60s") // scripts/fuzz overrides the duration
    @DictionaryEntries({"\"schemaVersion\"", "\"mediaType\"", "\"config\"", "\"digest\"", "\"manifests\"",
            "\"platform\"", "\"os\"", "\"architecture\"", "\"variant\"", "\"size\"", "\"linux\"", "\"amd64\"",
            "\"sha256:", "\"application/vnd.oci.image.index.v1+json\"", "\"application/vnd.oci.image.manifest.v1+json\"",
            "\"application/vnd.docker.distribution.manifest.list.v2+json\"",
            "\"application/vnd.docker.distribution.manifest.v2+json\""})
    void parse(byte[] input) throws IOException {
        if (input.length == 0) return;
        Optional<String> contentType = CONTENT_TYPES.get(Byte.toUnsignedInt(input[0]) % CONTENT_TYPES.size());
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        Manifest manifest;
        try {
            manifest = ManifestParser.parse(body, contentType);
        } catch (InvalidManifestException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(MediaTypes.ALL).contains(manifest.mediaType());
        contentType.flatMap(MediaTypes::bare).filter(MediaTypes::isManifestType)
                .ifPresent(type -> assertThat(manifest.mediaType()).isEqualTo(type));
        JsonNode root = PLAIN.readTree(body);
        assertThat(root.get("schemaVersion").asInt()).isEqualTo(2);
        switch (manifest) {
            case Manifest.Image image -> {
                assertThat(MediaTypes.isIndex(image.mediaType())).isFalse();
                assertThat(image.configDigest().toString()).isEqualTo(root.get("config").get("digest").textValue());
            }
            case Manifest.Index index -> {
                assertThat(MediaTypes.isIndex(index.mediaType())).isTrue();
                assertThat(index.entries()).hasSize(root.get("manifests").size());
                assertThat(index.linuxAmd64()).allMatch(Manifest.Entry::isLinuxAmd64);
            }
        }
    }
}
