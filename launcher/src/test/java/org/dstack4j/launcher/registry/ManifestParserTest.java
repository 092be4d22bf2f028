package org.dstack4j.launcher.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.dstack4j.launcher.registry.ManifestParser.InvalidManifestException;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
    private static final ImageDigest A = ImageDigest.of(new byte[] {1});
    private static final ImageDigest B = ImageDigest.of(new byte[] {2});

    /**
     * Found by fuzzing (fuzz/ManifestFuzzTest): Jackson's byte parser pads the last quad of a field
     * name with 0xFF, so once {@code config} and {@code digest} had been read, the invalid UTF-8
     * keys {@code "conf\xFF\xFFig"} and {@code "dige\xFF\xFFst"} were read as {@code config} and
     * {@code digest}: an accepted manifest that other readers see without a config.
     */
    @Test
    void invalidUtf8KeysAreNotReadAsValidOnes() throws Exception {
        byte[] valid = Manifests.image(MediaTypes.OCI_MANIFEST, A);
        Manifest parsed = ManifestParser.parse(valid, Optional.of(MediaTypes.OCI_MANIFEST));
        assertThat(parsed).isEqualTo(new Manifest.Image(MediaTypes.OCI_MANIFEST, A));

        var body = new ByteArrayOutputStream();
        body.writeBytes("{\"schemaVersion\":2,\"conf".getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF});
        body.writeBytes("ig\":{\"dige".getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF});
        body.writeBytes(("st\":\"" + B + "\"}}").getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> ManifestParser.parse(body.toByteArray(), Optional.of(MediaTypes.OCI_MANIFEST)))
                .isInstanceOf(InvalidManifestException.class)
                .hasMessage("not valid UTF-8");
    }

    @Test
    void nonAsciiUtf8IsStillAccepted() throws Exception {
        String json = "{\"schemaVersion\":2,\"annotations\":{\"t\":\"caf\u00e9 \u2603\"},\"config\":{\"digest\":\"" + A + "\"}}";
        assertThat(ManifestParser.parse(json.getBytes(StandardCharsets.UTF_8), Optional.of(MediaTypes.OCI_MANIFEST)))
                .isEqualTo(new Manifest.Image(MediaTypes.OCI_MANIFEST, A));
    }
}
