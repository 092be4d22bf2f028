package org.dstack4j.sdk.file;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a file that someone else can write (a volume shared with a container, a host-shared folder). Such a
 * writer can put a FIFO there, whose open blocks until a writer shows up (freezing the reader's thread), or a
 * symlink to a file it could not read itself. So the path must be a regular file itself (links are not
 * followed, neither when checking nor when opening), and at most a cap is read.
 *
 * <p>A writer that swaps a regular file for a FIFO between the check and the open can still block that one
 * open; the check closes the plain case, where the FIFO simply sits there.
 */
public final class SharedFile {
    private SharedFile() {}

    /** The path exists but is a symlink, FIFO, socket, device or directory. */
    public static final class NotRegularFileException extends IOException {
        NotRegularFileException(Path file, String kind) {
            super(file + " is " + kind + ", not a regular file; replace it with a regular file (links are not followed)");
        }
    }

    /**
     * The first {@code maxBytes + 1} bytes at most of the regular file {@code file}: a result longer than
     * {@code maxBytes} means the file is over the cap.
     *
     * @throws java.nio.file.NoSuchFileException when nothing is at {@code file}
     * @throws NotRegularFileException when something other than a regular file is there
     * @throws IOException when reading fails
     */
    public static byte[] read(Path file, int maxBytes) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) throw new NotRegularFileException(file, kind(a));
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(maxBytes + 1);
        }
    }

    private static String kind(BasicFileAttributes a) {
        if (a.isSymbolicLink()) return "a symbolic link";
        if (a.isDirectory()) return "a directory";
        return "a FIFO, socket or device";
    }
}
