package org.dstack4j.launcher.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestSelectorTest {
    static final ImageDigest A = ApprovedHashesTest.A;
    static final ImageDigest B = ApprovedHashesTest.B;
    static final ImageDigest C = ApprovedHashesTest.C;
    static final Path FILE = Path.of("/mnt/shared/image-digest.bin");
    static final ApprovedHashes THREE = new ApprovedHashes(List.of(A, B, C), new ApprovedHashes.FromFile(FILE));

    private static InputException failure(ApprovedHashes approved, String override) {
        try {
            DigestSelector.select(approved, Optional.of(override));
        } catch (InputException e) {
            assertThat(e.step()).isEqualTo(LaunchStep.SELECTION);
            assertThat(e.input()).isEqualTo("MPC_HASH_OVERRIDE");
            return e;
        }
        throw new AssertionError("expected an InputException");
    }

    @Test
    void selectsNewestWithoutOverride() throws Exception {
        var selection = DigestSelector.select(THREE, Optional.empty());
        assertThat(selection).isEqualTo(new Selection(A, "newest of 3 approved hashes (from /mnt/shared/image-digest.bin)", 1, 3));
    }

    @Test
    void singleEntryReason() throws Exception {
        var one = new ApprovedHashes(List.of(B), new ApprovedHashes.FromFile(FILE));
        var selection = DigestSelector.select(one, Optional.empty());
        assertThat(selection.digest()).isEqualTo(B);
        assertThat(selection.reason()).isEqualTo("the only approved hash (from /mnt/shared/image-digest.bin)");
    }

    @Test
    void defaultSourceReason() throws Exception {
        var fallback = new ApprovedHashes(List.of(C), new ApprovedHashes.FromDefault(Path.of("/x")));
        var selection = DigestSelector.select(fallback, Optional.empty());
        assertThat(selection).isEqualTo(new Selection(C, "DEFAULT_IMAGE_DIGEST (approved hashes file /x absent)", 1, 1));
    }

    @Test
    void overrideSelectsAnOlderApprovedHash() throws Exception {
        var selection = DigestSelector.select(THREE, Optional.of(B.toString()));
        assertThat(selection.digest()).isEqualTo(B);
        assertThat(selection.position()).isEqualTo(2);
        assertThat(selection.of()).isEqualTo(3);
        assertThat(selection.reason()).isEqualTo("MPC_HASH_OVERRIDE, approved hash 2 of 3 (from /mnt/shared/image-digest.bin)");
    }

    @Test
    void overrideMayNameTheNewest() throws Exception {
        assertThat(DigestSelector.select(THREE, Optional.of(A.toString())).position()).isEqualTo(1);
        assertThat(DigestSelector.select(THREE, Optional.of(C.toString())).position()).isEqualTo(3);
    }

    @Test
    void overrideNotInListIsAnErrorNotAFallback() {
        ImageDigest other = ImageDigest.of(new byte[] {1});
        var e = failure(THREE, other.toString());
        assertThat(e.getMessage()).contains(other.toString(), "not among the 3 approved hashes", FILE.toString());
    }

    @Test
    void overrideAgainstDefaultSource() throws Exception {
        var fallback = new ApprovedHashes(List.of(C), new ApprovedHashes.FromDefault(Path.of("/x")));
        assertThat(DigestSelector.select(fallback, Optional.of(C.toString())).digest()).isEqualTo(C);
        assertThat(failure(fallback, A.toString()).getMessage()).contains("DEFAULT_IMAGE_DIGEST");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "latest", "sha256:", "SHA256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
            "sha256:CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB",
            "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b",
            "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb,sha256:00"})
    void malformedOverrideIsAnError(String override) {
        assertThat(failure(THREE, override).getMessage())
                .isEqualTo("MPC_HASH_OVERRIDE invalid: " + org.dstack4j.launcher.config.SafeText.excerpt(override));
    }

    @Test
    void malformedOverrideMessageIsEscapedAndBounded() {
        var e = failure(THREE, "\u001b[31m" + "f".repeat(300));
        assertThat(e.getMessage()).doesNotContain("\u001b").contains("\\u001b").hasSizeLessThan(130);
    }

    @Test
    void selectionValidatesPosition() {
        assertThatThrownBy(() -> new Selection(A, "r", 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Selection(A, "r", 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
