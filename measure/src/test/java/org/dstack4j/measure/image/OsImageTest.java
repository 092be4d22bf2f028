package org.dstack4j.measure.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.dstack4j.measure.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OsImageTest {
    @TempDir
    Path tmp;

    @Test
    void pinnedReleaseMatchesTheVectorsAndTheProductionTcbInfo() {
        JsonNode rule = Fixtures.vectors().get("os_image_hash_rule");
        Map<String, String> files = new LinkedHashMap<>();
        rule.get("files_0_5_8_prod").fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
        assertThat(ImageRelease.V0_5_8.sha256()).isEqualTo(files);
        assertThat(OsImage.osImageHash(files)).isEqualTo(rule.get("os_image_hash").asText())
                .isEqualTo(ImageRelease.V0_5_8.osImageHash())
                .isEqualTo(Fixtures.prodTcbInfo().get("os_image_hash").asText());
        Map<String, String> changed = new LinkedHashMap<>(files);
        changed.put("bzImage", "00".repeat(32));
        assertThat(OsImage.osImageHash(changed)).isNotEqualTo(ImageRelease.V0_5_8.osImageHash());
    }

    /** A generated image directory shaped like a dstack release (metadata.json as dstack's build writes it). */
    static Path imageDir(Path dir, int rootfsBlocks) throws Exception {
        Files.createDirectories(dir);
        Random r = new Random(42);
        for (String f : new String[] {"ovmf.fd", "bzImage", "initramfs.cpio.gz"}) {
            byte[] b = new byte[5000];
            r.nextBytes(b);
            Files.write(dir.resolve(f), b);
        }
        byte[] data = new byte[rootfsBlocks * VerityImage.BLOCK];
        r.nextBytes(data);
        Path rootfs = dir.resolve("rootfs.img.verity");
        Files.write(rootfs, data);
        String root = Veritysetup.format(rootfs, data.length);
        Files.writeString(dir.resolve("metadata.json"), "{\n    \"bios\": \"ovmf.fd\",\n    \"kernel\": \"bzImage\",\n"
                + "    \"cmdline\": \"console=ttyS0 init=/init panic=1 dstack.rootfs_hash=" + root + " dstack.rootfs_size=" + data.length
                + "\",\n    \"initrd\": \"initramfs.cpio.gz\",\n    \"rootfs\": \"rootfs.img.verity\",\n    \"version\": \"0.5.8\"\n}\n");
        StringBuilder sums = new StringBuilder();
        for (String f : OsImage.MEASURED_FILES) {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(f)));
            sums.append(HexFormat.of().formatHex(d)).append("  ./").append(f).append('\n');
        }
        Files.writeString(dir.resolve("sha256sum.txt"), sums.toString(), StandardCharsets.US_ASCII);
        return dir;
    }

    @Test
    void verifiesAGeneratedImageAgainstItsSha256sumsAndRejectsTheRelease() throws Exception {
        Path dir = imageDir(tmp.resolve("img"), 200);
        ImageReport ok = ImageVerifier.verify(dir, ImageVerifier.sha256sums(dir.resolve("sha256sum.txt")));
        assertThat(ok.ok()).as(ok.toString()).isTrue();
        assertThat(ok.verity()).isInstanceOf(VerityResult.Verified.class);

        ImageReport pinned = ImageVerifier.verify(dir, ImageRelease.V0_5_8.sha256());
        assertThat(pinned.ok()).isFalse();
        assertThat(pinned.files()).noneMatch(ImageReport.FileCheck::ok);
        assertThat(pinned.expectedOsImageHash()).isEqualTo(ImageRelease.V0_5_8.osImageHash());
        assertThat(pinned.osImageHash()).isEqualTo(ok.osImageHash());
    }
}
