package org.dstack4j.launcher.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApprovedHashesTest {
    static final ImageDigest A = ImageDigest.of("a".getBytes(StandardCharsets.UTF_8));
    static final ImageDigest B = ImageDigest.of("b".getBytes(StandardCharsets.UTF_8));
    static final ImageDigest C = ImageDigest.of("c".getBytes(StandardCharsets.UTF_8));
    static final ImageDigest DEFAULT = ImageDigest.of("default".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private Path file(String json) throws IOException {
        return Files.writeString(dir.resolve("image-digest.bin"), json);
    }

    private static String list(Object... entries) {
        StringBuilder sb = new StringBuilder("{\"approved_hashes\":[");
        for (int i = 0; i < entries.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(entries[i] instanceof String s ? "\"" + s + "\"" : String.valueOf(entries[i]));
        }
        return sb.append("]}").toString();
    }

    /** Present-but-bad is always an error, also when a default digest is available. */
    private InputException failure(Path path) {
        for (Optional<ImageDigest> fallback : java.util.List.of(Optional.<ImageDigest>empty(), Optional.of(DEFAULT))) {
            try {
                ApprovedHashes.load(path, fallback);
                throw new AssertionError("expected an InputException with default " + fallback);
            } catch (InputException e) {
                assertThat(e.step()).isEqualTo(LaunchStep.SELECTION);
                assertThat(e.input()).isEqualTo(path.toString());
                if (fallback.isPresent()) return e;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    @Test
    void loadsListNewestFirst() throws Exception {
        Path path = file(list(A.toString(), B.toString(), C.toString()));
        var approved = ApprovedHashes.load(path, Optional.of(DEFAULT));
        assertThat(approved.digests()).containsExactly(A, B, C);
        assertThat(approved.source()).isEqualTo(new ApprovedHashes.FromFile(path));
        assertThat(approved.source().describe()).isEqualTo("from " + path);
    }

    @Test
    void ignoresExtraTopLevelKeysAndWhitespace() throws Exception {
        Path path = file("\n {\"version\": 2, \"approved_hashes\" : [ \"" + A + "\" ], \"note\": {\"x\": [1]}}\n ");
        assertThat(ApprovedHashes.load(path, Optional.empty()).digests()).containsExactly(A);
    }

    @Test
    void missingFileFallsBackToDefault() throws Exception {
        Path path = dir.resolve("image-digest.bin");
        var approved = ApprovedHashes.load(path, Optional.of(DEFAULT));
        assertThat(approved.digests()).containsExactly(DEFAULT);
        assertThat(approved.source()).isEqualTo(new ApprovedHashes.FromDefault(path));
        assertThat(approved.source().describe()).contains("DEFAULT_IMAGE_DIGEST", path.toString(), "absent");
    }

    @Test
    void missingFileWithoutDefaultIsAnError() {
        Path path = dir.resolve("image-digest.bin");
        assertThatThrownBy(() -> ApprovedHashes.load(path, Optional.empty()))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.SELECTION);
                    assertThat(e.input()).isEqualTo(path.toString());
                    assertThat(e.getMessage()).contains(path.toString(), "absent", "DEFAULT_IMAGE_DIGEST");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   \n", "{", "{\"approved_hashes\":[", "not json", "{approved_hashes:[]}",
            "{'approved_hashes':[]}", "{\"approved_hashes\":[\"x\",]}", "\u0000"})
    void malformedJsonIsAnError(String content) throws IOException {
        assertThat(failure(file(content)).getMessage()).contains("approved hashes file");
    }

    @Test
    void malformedJsonErrorNamesLocation() throws IOException {
        assertThat(failure(file("{\n  \"approved_hashes\": [oops]\n}")).getMessage()).contains("not valid JSON", "line 2");
    }

    @Test
    void trailingContentIsAnError() throws IOException {
        failure(file(list(A.toString()) + " {}"));
    }

    @Test
    void duplicateTopLevelKeyIsAnError() throws IOException {
        failure(file("{\"approved_hashes\":[\"" + A + "\"],\"approved_hashes\":[\"" + B + "\"]}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[\"sha256:00\"]", "\"x\"", "null", "42", "true"})
    void nonObjectRootIsAnError(String content) throws IOException {
        assertThat(failure(file(content)).getMessage()).contains("not a JSON object");
    }

    @Test
    void missingKeyIsAnError() throws IOException {
        assertThat(failure(file("{\"approved\":[\"" + A + "\"]}")).getMessage()).contains("no \"approved_hashes\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "\"sha256:00\"", "{}", "1"})
    void nonArrayListIsAnError(String value) throws IOException {
        assertThat(failure(file("{\"approved_hashes\":" + value + "}")).getMessage()).contains("not an array");
    }

    @Test
    void emptyListIsAnError() throws IOException {
        assertThat(failure(file(list())).getMessage()).contains("is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "1", "true", "{}", "[]", "1.5"})
    void nonStringEntryIsAnError(String entry) throws IOException {
        Path path = file("{\"approved_hashes\":[\"" + A + "\"," + entry + "]}");
        assertThat(failure(path).getMessage()).contains("approved_hashes[1]", "not a string");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SHA256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
            "sha256:CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB",
            "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b",
            "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb0",
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
            "sha512:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
            " sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
            "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb ",
            "sha256:",
            ""})
    void malformedDigestEntryIsAnError(String entry) throws IOException {
        assertThat(failure(file(list(A.toString(), entry))).getMessage()).contains("approved_hashes[1]", "64 lowercase hex");
    }

    @Test
    void duplicateEntryIsAnErrorNamingBothPositions() throws IOException {
        assertThat(failure(file(list(A.toString(), B.toString(), A.toString()))).getMessage())
                .contains("approved_hashes[2]", "approved_hashes[0]");
    }

    @Test
    void directoryIsAnError() throws IOException {
        Path path = Files.createDirectory(dir.resolve("image-digest.bin"));
        assertThat(failure(path).getMessage()).contains("directory");
    }

    @Test
    void fileAtTheSizeCapIsAccepted() throws Exception {
        String json = list(A.toString());
        Path path = file(json + " ".repeat(ApprovedHashes.MAX_BYTES - json.length()));
        assertThat(Files.size(path)).isEqualTo(ApprovedHashes.MAX_BYTES);
        assertThat(ApprovedHashes.load(path, Optional.empty()).digests()).containsExactly(A);
    }

    @Test
    void fileOverTheSizeCapIsAnError() throws IOException {
        String json = list(A.toString());
        Path path = file(json + " ".repeat(ApprovedHashes.MAX_BYTES - json.length() + 1));
        assertThat(failure(path).getMessage()).contains("larger than", Integer.toString(ApprovedHashes.MAX_BYTES));
    }

    @Test
    void symlinkIsFollowed() throws Exception {
        Path target = Files.writeString(dir.resolve("image-digest.bin.tmp"), list(B.toString(), A.toString()));
        Path link = Files.createSymbolicLink(dir.resolve("image-digest.bin"), target);
        var approved = ApprovedHashes.load(link, Optional.empty());
        assertThat(approved.digests()).containsExactly(B, A);
        assertThat(approved.source()).isEqualTo(new ApprovedHashes.FromFile(link));
    }

    @Test
    void symlinkToDirectoryIsAnError() throws IOException {
        Path target = Files.createDirectory(dir.resolve("d"));
        Path link = Files.createSymbolicLink(dir.resolve("image-digest.bin"), target);
        assertThat(failure(link).getMessage()).contains("directory");
    }

    @Test
    void symlinkToOversizeFileIsAnError() throws IOException {
        Path target = Files.writeString(dir.resolve("big"), " ".repeat(ApprovedHashes.MAX_BYTES + 1));
        Path link = Files.createSymbolicLink(dir.resolve("image-digest.bin"), target);
        assertThat(failure(link).getMessage()).contains("larger than");
    }

    @Test
    void brokenSymlinkIsAnErrorNotAFallback() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("image-digest.bin"), dir.resolve("gone"));
        assertThat(failure(link).getMessage()).contains("symbolic link");
    }

    @Test
    void recordRejectsEmptyOrRepeatedLists() {
        var source = new ApprovedHashes.FromFile(dir);
        assertThatThrownBy(() -> new ApprovedHashes(java.util.List.of(), source)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ApprovedHashes(java.util.List.of(A, A), source)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Found by fuzzing (fuzz/ApprovedHashesFuzzTest): Jackson's byte parser pads short name quads
     * with 0xFF, so once "approved_hashes" has been read, the invalid UTF-8 key
     * "approved_has\xFFhes" was read as "approved_hashes" too.
     */
    @Test
    void invalidUtf8KeyIsNotReadAsAValidOne() throws Exception {
        ApprovedHashes.parse(list(A.toString()).getBytes(StandardCharsets.UTF_8), dir.resolve("primer"));
        var bytes = new java.io.ByteArrayOutputStream();
        bytes.writeBytes("{\"approved_has".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xFF);
        bytes.writeBytes(("hes\":[\"" + B + "\"]}").getBytes(StandardCharsets.US_ASCII));
        Path path = Files.write(dir.resolve("image-digest.bin"), bytes.toByteArray());
        assertThat(failure(path)).hasMessageContaining("not valid UTF-8");
    }
}
