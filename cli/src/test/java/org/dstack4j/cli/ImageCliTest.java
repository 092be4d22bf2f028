package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code image verify} on a generated image directory whose rootfs Debian's veritysetup formatted. */
class ImageCliTest {
    @TempDir
    Path tmp;

    private Path imageDir() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dstack-test"));
        Random r = new Random(1);
        for (String f : List.of("ovmf.fd", "bzImage", "initramfs.cpio.gz")) {
            byte[] b = new byte[3000];
            r.nextBytes(b);
            Files.write(dir.resolve(f), b);
        }
        byte[] data = new byte[150 * 4096];
        r.nextBytes(data);
        Path rootfs = dir.resolve("rootfs.img.verity");
        Files.write(rootfs, data);
        Process p = new ProcessBuilder(Files.isExecutable(Path.of("/usr/sbin/veritysetup")) ? "/usr/sbin/veritysetup" : "veritysetup", "format", rootfs.toString(), rootfs.toString(), "--hash-offset=" + data.length)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Matcher m = Pattern.compile("Root hash:\\s+([0-9a-f]{64})").matcher(out);
        assertThat(m.find()).as("veritysetup (Debian cryptsetup-bin) output: " + out).isTrue();
        Files.writeString(dir.resolve("metadata.json"), "{\"bios\":\"ovmf.fd\",\"kernel\":\"bzImage\",\"initrd\":\"initramfs.cpio.gz\","
                + "\"rootfs\":\"rootfs.img.verity\",\"cmdline\":\"console=ttyS0 dstack.rootfs_hash=" + m.group(1)
                + " dstack.rootfs_size=" + data.length + "\"}");
        StringBuilder sums = new StringBuilder();
        for (String f : List.of("bzImage", "initramfs.cpio.gz", "metadata.json", "ovmf.fd")) {
            sums.append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(f)))))
                    .append("  ./").append(f).append('\n');
        }
        Files.writeString(dir.resolve("sha256sum.txt"), sums);
        return dir;
    }

    @Test
    void acceptsAMatchingImageAndRejectsAFlippedRootfsByte() throws Exception {
        Path dir = imageDir();
        String sums = dir.resolve("sha256sum.txt").toString();
        CliRun ok = CliRun.of("image", "verify", dir.toString(), "--sha256sum", sums);
        assertThat(ok.status()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("dm-verity ok: 150 data blocks, 2 hash levels").contains("image ok");

        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("rootfs.img.verity").toFile(), "rw")) {
            raf.seek(4096 * 140 + 11);
            int b = raf.read();
            raf.seek(4096 * 140 + 11);
            raf.write(b ^ 0x80);
        }
        CliRun bad = CliRun.of("image", "verify", dir.toString(), "--sha256sum", sums);
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.out()).contains("dm-verity MISMATCH").contains("image does NOT match");
    }

    @Test
    void thePinnedReleaseRejectsOtherFilesAndUnknownReleasesAreBadInput() throws Exception {
        Path dir = imageDir();
        CliRun pinned = CliRun.of("image", "verify", dir.toString(), "--release", "0.5.8");
        assertThat(pinned.status()).isEqualTo(1);
        assertThat(pinned.out()).contains("MISMATCH (expected 76888ce69c91aed86c43f840b913899b40b981964b7ce6018667f91ad06301f0)")
                .contains("MISMATCH (expected 6427f4f5ded88b72d326bd973e581c1689c5080c6444a0cf90fec7d9e4c8b92a)");
        for (String[] args : List.of(new String[] {"image", "verify", dir.toString(), "--release", "9.9.9"},
                new String[] {"image", "verify", tmp.resolve("nowhere").toString()})) {
            CliRun r = CliRun.of(args);
            assertThat(r.status()).isEqualTo(2);
            assertThat(r.err().strip()).doesNotContain("\n").startsWith("dstack4j image verify: ");
        }
    }
}
