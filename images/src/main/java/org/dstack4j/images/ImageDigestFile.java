package org.dstack4j.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Writes the launcher's approved hashes file ({@code /mnt/shared/image-digest.bin},
 * {@code {"approved_hashes": ["sha256:<hex>", …]}}, newest first) from the cluster contract's approved images.
 *
 * <p>Never empty: an empty list is refused and the old file stays. The new content is parsed with the launcher's own
 * parser ({@link ApprovedHashes#parse}) before anything is written; then it goes to a temporary file in the same
 * directory, is fsynced, renamed over the old file atomically, and the directory is fsynced, so a crash leaves the
 * old file or the new one, never a torn one. Identical content is not rewritten.
 */
public final class ImageDigestFile {
    /** The launcher's default location. */
    public static final Path DEFAULT = Path.of("/mnt/shared/image-digest.bin");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageDigestFile() {}

    /** What {@link #write} did. */
    public enum Written { WRITTEN, UNCHANGED }

    /**
     * Replaces {@code file} with {@code digests} (32-byte SHA-256 image digests, newest first).
     *
     * @throws IllegalArgumentException when the list is empty, repeats a digest or holds a value that is not 32 bytes
     *     (the old file is kept)
     * @throws IOException when writing fails (the old file is kept)
     */
    public static Written write(Path file, List<byte[]> digests) throws IOException {
        if (digests.isEmpty()) {
            throw new IllegalArgumentException("the approved image list is empty; " + file + " is kept (never written empty)");
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray(ApprovedHashes.FIELD);
        for (byte[] d : digests) {
            if (d.length != 32) throw new IllegalArgumentException("an image digest is 32 bytes, got " + d.length);
            list.add("sha256:" + HexFormat.of().formatHex(d));
        }
        byte[] bytes = (root + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ApprovedHashes.parse(bytes, file); // the launcher's own reading of what we are about to write
        } catch (InputException e) {
            throw new IllegalArgumentException("the launcher would refuse this list: " + e.getMessage(), e);
        }
        if (Files.isRegularFile(file) && Arrays.equals(readAtMost(file, bytes.length + 1), bytes)) return Written.UNCHANGED;
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".image-digest-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself is durable
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return Written.WRITTEN;
    }

    /** The file's list as the launcher reads it, empty when the file is absent. */
    public static Optional<List<ImageDigest>> read(Path file) throws InputException {
        if (!Files.exists(file)) return Optional.empty();
        return Optional.of(ApprovedHashes.load(file, Optional.empty()).digests());
    }

    /** At most {@code max} bytes of a file the host can write (it could be huge): enough to compare. */
    private static byte[] readAtMost(Path file, int max) throws java.io.IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(max);
        }
    }
}
