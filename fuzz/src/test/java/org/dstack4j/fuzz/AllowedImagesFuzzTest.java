package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.near.mpc.AllowedImage;

/**
 * Fuzzes {@link AllowedImage#parseList}, which reads the contract's {@code allowed_docker_image_hashes} answer as an
 * RPC node relays it (untrusted: a lying RPC must not get past the watcher's checks): only
 * {@link IllegalArgumentException} may escape; an accepted answer is an array with one entry per image, each 64
 * lowercase hex, and the launcher's file written from it parses back to the same digests in order.
 *
 * <p>Seeds: both answer shapes, an empty list, a negative expiry.
 */
class AllowedImagesFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    @DictionaryEntries({"\"image_hash\"", "\"expiry_timestamp_seconds\"", "null", "0123456789abcdef", "[{", "}]"})
    void parse(byte[] input) throws Exception {
        JsonNode answer;
        try {
            answer = JSON.readTree(input);
        } catch (IOException e) {
            return; // not JSON: the RPC client reports it before the list is parsed
        }
        List<AllowedImage> images;
        try {
            images = AllowedImage.parseList(answer);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotNull();
            return;
        }
        assertThat(answer.isArray()).isTrue();
        assertThat(images).hasSize(answer.size());
        assertThat(images).allMatch(i -> i.hex().matches("[0-9a-f]{64}"));
        List<org.dstack4j.launcher.selection.ImageDigest> digests = images.stream()
                .map(i -> new org.dstack4j.launcher.selection.ImageDigest(i.hex())).distinct().toList();
        if (digests.isEmpty()) return;
        ApprovedHashes written = new ApprovedHashes(digests, new ApprovedHashes.FromFile(java.nio.file.Path.of("/x")));
        assertThat(ApprovedHashes.parse(written.toFileBytes(), java.nio.file.Path.of("/x")).digests()).isEqualTo(digests);
    }
}
