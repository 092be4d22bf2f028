package org.dstack4j.measure.image;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;

/**
 * A dstack OS image directory: {@code metadata.json} and the files it names. The measured files are
 * {@link #MEASURED_FILES}; {@code os_image_hash} is SHA-256 of the {@code sha256sum.txt} text dstack builds from
 * them ({@code "<sha256>  <name>\n"} per file in that order); the rootfs is not hashed whole but verified with
 * dm-verity against {@code dstack.rootfs_hash} / {@code dstack.rootfs_size} on the kernel command line.
 */
public final class OsImage {
    /** The files whose hashes make up os_image_hash, in sha256sum.txt order. */
    public static final List<String> MEASURED_FILES = List.of("ovmf.fd", "bzImage", "initramfs.cpio.gz", "metadata.json");
    static final long MAX_METADATA_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private OsImage() {}

    /**
     * dstack's os_image_hash: SHA-256 of the four-line sha256sum.txt.
     *
     * @param sha256 hex SHA-256 per file name; must hold every {@link #MEASURED_FILES} entry
     */
    public static String osImageHash(Map<String, String> sha256) {
        StringBuilder txt = new StringBuilder();
        for (String f : MEASURED_FILES) {
            String h = sha256.get(f);
            if (h == null) throw new IllegalArgumentException("no SHA-256 for " + f);
            txt.append(h).append("  ").append(f).append('\n');
        }
        return HexFormat.of().formatHex(InputFiles.newDigest("SHA-256").digest(txt.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    /** The image's {@code metadata.json}, the fields measuring and verifying need. */
    public record Metadata(String cmdline, String bios, String kernel, String initrd, Optional<String> rootfs) {
        /** The value of {@code key=} on the command line, if present once or more (first wins). */
        public Optional<String> cmdlineArg(String key) {
            for (String p : cmdline.split("\\s+")) {
                if (p.startsWith(key + "=")) return Optional.of(p.substring(key.length() + 1));
            }
            return Optional.empty();
        }
    }

    /**
     * Reads {@code metadata.json} (at most 64 KiB).
     *
     * @throws MeasureInputException if it is missing, not JSON, or lacks cmdline/bios/kernel/initrd strings
     */
    public static Metadata metadata(Path file) throws MeasureInputException {
        byte[] raw = InputFiles.read(file, "metadata.json", MAX_METADATA_BYTES);
        JsonNode j;
        try {
            j = JSON.readTree(raw);
        } catch (JacksonException e) {
            throw new MeasureInputException("metadata.json " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new MeasureInputException("cannot read metadata.json " + file + ": " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new MeasureInputException("metadata.json " + file + " must be a JSON object");
        List<String> missing = new ArrayList<>();
        Map<String, String> v = new LinkedHashMap<>();
        for (String k : List.of("cmdline", "bios", "kernel", "initrd")) {
            JsonNode n = j.get(k);
            if (n == null || !n.isTextual() || n.textValue().isEmpty()) missing.add(k);
            else v.put(k, n.textValue());
        }
        if (!missing.isEmpty()) {
            throw new MeasureInputException("metadata.json " + file + " lacks " + String.join(", ", missing)
                    + " (strings naming the image's files and kernel command line)");
        }
        for (String k : List.of("bios", "kernel", "initrd")) {
            String name = v.get(k);
            if (name.contains("/") || name.contains("\\") || name.equals("..")) {
                throw new MeasureInputException("metadata.json " + file + ": " + k + " \"" + name + "\" must be a file name in the image directory");
            }
        }
        Optional<String> rootfs = Optional.ofNullable(j.get("rootfs")).filter(JsonNode::isTextual).map(JsonNode::textValue);
        return new Metadata(v.get("cmdline"), v.get("bios"), v.get("kernel"), v.get("initrd"), rootfs);
    }
}
