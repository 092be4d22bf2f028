package org.dstack4j.agent.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Claims and releases the unix socket path of the agent. */
final class SocketFile {
    /** sun_path is 108 bytes including the terminating NUL on Linux. */
    static final int MAX_PATH_BYTES = 107;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketFile() {}

    /**
     * Makes {@code path} free for binding: absent is fine; a stale socket (nobody accepts on it)
     * is removed; a live socket or anything else is refused.
     *
     * @throws AgentServerException naming the path and what to do
     */
    static void claim(Path path) throws AgentServerException {
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new AgentServerException("socket path " + path + " is longer than " + MAX_PATH_BYTES
                    + " bytes, the unix socket limit; choose a shorter path");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new AgentServerException("directory " + parent + " of socket path " + path + " does not exist");
            }
            return;
        }
        if (!isSocket(path)) {
            throw new AgentServerException("socket path " + path
                    + " exists and is not a socket; refusing to replace it (remove it or choose another path)");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            throw new AgentServerException("socket path " + path
                    + " is served by a running process (another agent?); stop it or choose another path");
        } catch (IOException refused) {
            // nobody listens: a socket left by a crashed agent
            try {
                Files.delete(path);
            } catch (IOException e) {
                throw new AgentServerException("cannot remove stale socket " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A private directory, mode 0700, created next to {@code path} (same file system, so the socket can
     * later be renamed into place), and the path to bind inside it.
     *
     * <p>Why: bind(2) creates the socket file with {@code 0777 & ~umask}; with a permissive umask any
     * user could connect between bind and chmod, and keep that connection. Inside a 0700 directory
     * nobody else can reach the socket; it appears at {@code path} only by a rename, with its mode set.
     *
     * @throws AgentServerException when the directory cannot be created or the bind path is too long
     */
    static Path privateBindPath(Path path) throws AgentServerException {
        Path parent = path.toAbsolutePath().getParent();
        Path dir;
        try {
            dir = Files.createTempDirectory(parent, ".dstack4j-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new AgentServerException("cannot create a private directory in " + parent
                    + " to bind the socket in: " + e.getMessage() + " (the socket's directory must be writable)", e);
        }
        Path bindPath = dir.resolve("s");
        if (bindPath.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            removePrivateDir(bindPath);
            throw new AgentServerException("socket directory " + parent + " is too long: the private bind path "
                    + bindPath + " exceeds the " + MAX_PATH_BYTES + "-byte unix socket limit; choose a shorter path");
        }
        return bindPath;
    }

    /**
     * Renames the bound socket (its mode already set) from its private directory to {@code path},
     * then removes the directory.
     */
    static void publish(Path bindPath, Path path) throws AgentServerException {
        try {
            Files.move(bindPath, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AgentServerException("cannot move the socket to " + path + ": " + e.getMessage(), e);
        } finally {
            removePrivateDir(bindPath);
        }
    }

    /** Removes the bind path (if still there) and its private directory; best effort. */
    static void removePrivateDir(Path bindPath) {
        try {
            Files.deleteIfExists(bindPath);
            Files.deleteIfExists(bindPath.getParent());
        } catch (IOException e) {
            // best effort: a leftover empty 0700 directory grants nothing
        }
    }

    /** Sets the socket's permission bits after bind. */
    static void setMode(Path path, Set<PosixFilePermission> mode) throws AgentServerException {
        try {
            Files.setPosixFilePermissions(path, mode);
        } catch (IOException | UnsupportedOperationException e) {
            throw new AgentServerException("cannot set mode of socket " + path + ": " + e.getMessage(), e);
        }
    }

    /** Removes the socket file if it is still a socket. */
    static void release(Path path) {
        try {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && isSocket(path)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // best effort at shutdown; the next start removes a stale socket anyway
        }
    }

    private static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
