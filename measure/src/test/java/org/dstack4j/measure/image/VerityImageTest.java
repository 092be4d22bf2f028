package org.dstack4j.measure.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Random;
import org.dstack4j.measure.MeasureInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * dm-verity checks against veritysetup on generated images: 1 block (no tree levels), 2 and 128 blocks (one
 * level), 129 and 300 blocks (two levels). Every case, good or tampered, is also given to {@code veritysetup
 * verify}, and both must agree.
 */
class VerityImageTest {
    @TempDir
    Path tmp;

    private record Image(Path file, long dataSize, String root) {}

    private Image make(int blocks, long seed) throws Exception {
        Path f = tmp.resolve("rootfs-" + blocks + "-" + seed + ".img.verity");
        byte[] data = new byte[blocks * VerityImage.BLOCK];
        new Random(seed).nextBytes(data);
        Files.write(f, data);
        return new Image(f, data.length, Veritysetup.format(f, data.length));
    }

    private static void flip(Path f, long offset) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x01);
        }
    }

    private static void bothAgree(Image img, String root, boolean expectAccepted, String what) throws Exception {
        VerityResult ours = VerityImage.verify(img.file(), root, img.dataSize());
        boolean oracle = Veritysetup.verify(img.file(), img.dataSize(), root);
        assertThat(oracle).as("veritysetup on " + what).isEqualTo(expectAccepted);
        assertThat(ours instanceof VerityResult.Verified).as(what + ": " + ours.summary()).isEqualTo(expectAccepted);
    }

    @ParameterizedTest(name = "{0} data blocks")
    @ValueSource(ints = {1, 2, 128, 129, 300})
    void acceptsGoodImagesAndRejectsEveryFlippedByteAsVeritysetupDoes(int blocks) throws Exception {
        Image good = make(blocks, blocks);
        bothAgree(good, good.root(), true, "the good image");
        VerityResult ok = VerityImage.verify(good.file(), good.root(), good.dataSize());
        assertThat(((VerityResult.Verified) ok).levels()).isEqualTo(VerityImage.levels(blocks));
        assertThat(((VerityResult.Verified) ok).dataBlocks()).isEqualTo(blocks);

        long fileSize = Files.size(good.file());
        long treeStart = good.dataSize() + VerityImage.BLOCK;
        Set<Long> flips = new LinkedHashSet<>();
        flips.add(0L);
        flips.add(good.dataSize() - 1);
        flips.add(good.dataSize() / 2 + 7);
        if (fileSize > treeStart) {
            flips.add(treeStart);                       // first stored hash byte (top level)
            flips.add(fileSize - VerityImage.BLOCK);    // first byte of the last level-0 block
            flips.add(fileSize - 1);                    // zero padding of the last hash block
        }
        flips.add(good.dataSize() + 72 + 5);            // a salt byte in the superblock
        for (long f : flips) {
            Image copy = new Image(tmp.resolve("flip-" + blocks + "-" + f), good.dataSize(), good.root());
            Files.copy(good.file(), copy.file());
            flip(copy.file(), f);
            bothAgree(copy, good.root(), false, blocks + " blocks, byte " + f + " flipped");
        }
        String wrongRoot = (good.root().charAt(0) == '0' ? "1" : "0") + good.root().substring(1);
        bothAgree(good, wrongRoot, false, "a wrong root hash");
    }

    @Test
    void namesWhatIsWrong() throws Exception {
        Image img = make(300, 7);
        flip(img.file(), 200L * VerityImage.BLOCK + 3);
        assertThat(VerityImage.verify(img.file(), img.root(), img.dataSize()).summary())
                .contains("MISMATCH").contains("data blocks 128-255");
        Image other = make(300, 8);
        assertThatThrownBy(() -> VerityImage.verify(other.file(), other.root(), other.dataSize() - VerityImage.BLOCK))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("no verity superblock at dstack.rootfs_size");
    }

    @Test
    void refusesInputsItCannotCheck() throws Exception {
        Path plain = tmp.resolve("plain.img");
        Files.write(plain, new byte[3 * VerityImage.BLOCK]);
        assertThatThrownBy(() -> VerityImage.verify(plain, "ab".repeat(32), VerityImage.BLOCK))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("no verity superblock");
        assertThatThrownBy(() -> VerityImage.verify(plain, "xyz", VerityImage.BLOCK))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> VerityImage.verify(plain, "ab".repeat(32), 1000))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("multiple of 4096");
        assertThatThrownBy(() -> VerityImage.verify(tmp.resolve("none"), "ab".repeat(32), VerityImage.BLOCK))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("none");
    }
}
