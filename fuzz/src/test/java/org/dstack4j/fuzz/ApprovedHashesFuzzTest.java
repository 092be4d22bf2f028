package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Fuzzes {@link ApprovedHashes#parse} (the node-written {@code image-digest.bin} on the shared
 * volume, untrusted by the launcher): only {@link InputException} may escape. An accepted file
 * must hold, by an independent plain Jackson reading, a JSON object whose {@code approved_hashes}
 * array is exactly the parsed digests, in order, each {@code sha256:} + 64 lowercase hex, none
 * repeated.
 *
 * <p>Seeds: valid lists (one and several digests, extra keys), and typical mistakes (empty list,
 * uppercase hex, duplicate key, trailing content, non-string entry).
 */
class ApprovedHashesFuzzTest {
    private static final Path FILE = Path.of("/mnt/shared/image-digest.bin");
    private static final ObjectMapper PLAIN = new ObjectMapper();

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"\"approved_hashes\"", "\"sha256:", "sha256:", "0123456789abcdef", "[\"", "\"]", "{}", "null"})
    void parse(byte[] input) throws IOException {
        ApprovedHashes hashes;
        try {
            hashes = ApprovedHashes.parse(input, FILE);
        } catch (InputException e) {
            assertThat(e.getMessage()).isNotNull();
            return;
        }
        assertThat(hashes.digests()).isNotEmpty().doesNotHaveDuplicates();
        assertThat(hashes.source()).isEqualTo(new ApprovedHashes.FromFile(FILE));
        JsonNode list = PLAIN.readTree(input).get(ApprovedHashes.FIELD);
        List<String> texts = new ArrayList<>();
        list.forEach(n -> texts.add(n.textValue()));
        assertThat(hashes.digests()).extracting(ImageDigest::toString).containsExactlyElementsOf(texts);
        assertThat(texts).allMatch(t -> t.matches("sha256:[0-9a-f]{64}"));
    }
}
