package org.dstack4j.launcher.nodeconfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;

/**
 * Writes the node config atomically: a new temp file (mode 0600, random name, created exclusively)
 * in the target's directory, written and fsynced, renamed over the target, then the directory
 * fsynced. The node never sees a half-written file, and {@code rename} replaces a link planted at
 * the target instead of following it (the node can write the shared volume).
 */
public final class NodeConfigFile {
    private NodeConfigFile() {}

    /**
     * @param target  host path of {@code mpc-config.toml} (the shared volume's file)
     * @param content the TOML text (holds secrets; never in an error)
     * @throws EngineException at {@link LaunchStep#START}, input = the path, when any step fails;
     *                         the temp file is removed then
     */
    public static void writeAtomically(Path target, String content) throws EngineException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, ".mpc-config", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) ch.write(bytes);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new EngineException(LaunchStep.START, target.toString(),
                    "cannot write the node config " + target + " (" + e.getClass().getSimpleName() + ")",
                    "make " + dir + " (the shared volume) writable by the launcher; nothing was started");
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file holds nothing the node reads
                }
            }
        }
    }
}
