package org.dstack4j.launcher.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;

/**
 * Reads one small, optional launcher input file (user_config, the approved hashes file) with a
 * size cap.
 *
 * <p>Symbolic links are followed: the node writes the approved hashes on a shared volume and an
 * operator may link user_config; the type and size checks apply to the file the link resolves to.
 * A missing file is reported as empty; a link whose target is missing, or a path running through
 * a regular file, is an error (something is there, but broken). Anything other than a regular file (directory, FIFO, device, socket) is an
 * error, so that reading can never block or run unbounded.
 */
public final class InputFile {
    private InputFile() {}

    /**
     * The file's bytes, or empty when nothing exists at {@code path}.
     *
     * @param path     file to read (links followed)
     * @param maxBytes largest accepted size in bytes
     * @param step     step named in errors
     * @param what     human name of the file for messages, e.g. {@code "user_config"}
     * @throws InputException when the path is a broken link, a directory or other non-regular file,
     *                        larger than {@code maxBytes}, or cannot be read
     */
    public static Optional<byte[]> readIfPresent(Path path, long maxBytes, LaunchStep step, String what)
            throws InputException {
        String input = path.toString();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (Files.isSymbolicLink(path)) {
                throw new InputException(step, input, what + " is a symbolic link to a missing file",
                        "point the link at an existing file, or remove it");
            }
            if (throughNonDirectory(path)) {
                // e.g. the shared volume replaced by a file: a broken layout, not an absent file
                throw new InputException(step, input, what + " cannot be read (a parent of the path is not a directory)",
                        "make every parent of " + input + " a directory");
            }
            return Optional.empty();
        } catch (IOException e) {
            throw unreadable(step, input, what, e);
        }
        if (attrs.isDirectory()) {
            throw new InputException(step, input, what + " is a directory, not a file",
                    "replace the directory with a regular file, or remove it");
        }
        if (!attrs.isRegularFile()) {
            throw new InputException(step, input, what + " is not a regular file",
                    "replace it with a regular file, or remove it");
        }
        if (attrs.size() > maxBytes) {
            throw tooLarge(step, input, what, maxBytes);
        }
        try (InputStream in = Files.newInputStream(path)) {
            // The file may grow between the check and the read: read at most one byte past the cap.
            byte[] bytes = in.readNBytes(Math.toIntExact(maxBytes + 1));
            if (bytes.length > maxBytes) throw tooLarge(step, input, what, maxBytes);
            return Optional.of(bytes);
        } catch (IOException e) {
            throw unreadable(step, input, what, e);
        }
    }

    /** True when the nearest existing ancestor of {@code path} is not a directory (ENOTDIR). */
    private static boolean throughNonDirectory(Path path) {
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) return !Files.isDirectory(p);
        }
        return false;
    }

    private static InputException tooLarge(LaunchStep step, String input, String what, long maxBytes) {
        return new InputException(step, input, what + " is larger than the " + maxBytes + "-byte limit",
                "shrink the file below " + maxBytes + " bytes");
    }

    private static InputException unreadable(LaunchStep step, String input, String what, IOException e) {
        String why = e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName();
        return new InputException(step, input, what + " cannot be read (" + why + ")",
                "make the file readable by the launcher, or remove it", e);
    }
}
