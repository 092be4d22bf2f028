package org.dstack4j.measure.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;

/** {@code image verify}: an image directory against a release's pinned hashes, and its rootfs by dm-verity. */
public final class ImageVerifier {
    private ImageVerifier() {}

    /**
     * Checks {@code dir}.
     *
     * @param expected SHA-256 per measured file (a pinned {@link ImageRelease}'s, or an operator's sha256sum.txt)
     * @throws MeasureInputException if a file is missing or unreadable, metadata.json is malformed, or the kernel
     *                               command line lacks dstack.rootfs_hash / dstack.rootfs_size
     */
    public static ImageReport verify(Path dir, Map<String, String> expected) throws MeasureInputException {
        OsImage.Metadata meta = OsImage.metadata(dir.resolve("metadata.json"));
        List<ImageReport.FileCheck> checks = new ArrayList<>();
        Map<String, String> actual = new LinkedHashMap<>();
        for (String f : OsImage.MEASURED_FILES) {
            String h = HexFormat.of().formatHex(InputFiles.digest(dir.resolve(f), f, "SHA-256").digest());
            actual.put(f, h);
            checks.add(new ImageReport.FileCheck(f, h, expected.getOrDefault(f, "(not listed)")));
        }
        String rootHash = meta.cmdlineArg("dstack.rootfs_hash").orElseThrow(() -> new MeasureInputException(
                "metadata.json's cmdline has no dstack.rootfs_hash=; the rootfs cannot be verified"));
        String size = meta.cmdlineArg("dstack.rootfs_size").orElseThrow(() -> new MeasureInputException(
                "metadata.json's cmdline has no dstack.rootfs_size=; the rootfs cannot be verified"));
        long dataSize;
        try {
            dataSize = Long.parseLong(size);
        } catch (NumberFormatException e) {
            throw new MeasureInputException("dstack.rootfs_size=" + size + " on the cmdline is not a number of bytes", e);
        }
        String rootfs = meta.rootfs().orElse("rootfs.img.verity");
        if (rootfs.contains("/") || rootfs.equals("..")) {
            throw new MeasureInputException("metadata.json rootfs \"" + rootfs + "\" must be a file name in the image directory");
        }
        VerityResult verity = VerityImage.verify(dir.resolve(rootfs), rootHash, dataSize);
        boolean complete = expected.keySet().containsAll(OsImage.MEASURED_FILES);
        return new ImageReport(checks, OsImage.osImageHash(actual), complete ? OsImage.osImageHash(expected) : "(incomplete list)", verity);
    }

    /**
     * Reads a sha256sum.txt ({@code <hex>  <name>} lines; {@code ./} and {@code *} prefixes allowed).
     *
     * @throws MeasureInputException on a malformed line
     */
    public static Map<String, String> sha256sums(Path file) throws MeasureInputException {
        String text = new String(InputFiles.read(file, "sha256sum file", 1 << 20), java.nio.charset.StandardCharsets.UTF_8);
        Map<String, String> out = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isBlank()) continue;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9a-fA-F]{64}) [ *](?:\\./)?(\\S.*)").matcher(line.strip());
            if (!m.matches()) throw new MeasureInputException("sha256sum file " + file + " line " + n + " is not \"<sha256>  <name>\"");
            out.put(m.group(2), m.group(1).toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }
}
