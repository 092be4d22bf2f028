package org.dstack4j.launcher.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;

/**
 * Step 1 in {@code TEE} mode: the dstack guest agent socket must exist and be a unix socket.
 *
 * <p>The file type comes from {@code stat} via the {@code unix:mode} attribute ({@code S_IFSOCK})
 * where the platform offers it; otherwise from {@link BasicFileAttributes#isOther()}, which is also
 * true for FIFOs and devices, so that fallback is looser. Symbolic links are followed, since a socket
 * may be linked into place.
 */
public final class DstackSocket {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private DstackSocket() {}

    /**
     * @param path the socket, usually {@code /var/run/dstack.sock}
     * @throws InputException at {@link LaunchStep#ENVIRONMENT}, input = the path, when nothing is
     *                        there, it cannot be inspected, or it is not a socket
     */
    public static void require(Path path) throws InputException {
        String input = path.toString();
        String fix = "run the dstack guest agent and mount its socket at " + input + ", or use PLATFORM=NONTEE outside a TEE";
        try {
            if (!isSocket(path)) {
                throw new InputException(LaunchStep.ENVIRONMENT, input, "dstack socket " + input + " is not a unix socket", fix);
            }
        } catch (NoSuchFileException e) {
            throw new InputException(LaunchStep.ENVIRONMENT, input, "dstack socket " + input + " does not exist", fix, e);
        } catch (IOException e) {
            throw new InputException(LaunchStep.ENVIRONMENT, input,
                    "dstack socket " + input + " cannot be inspected (" + e.getClass().getSimpleName() + ")", fix, e);
        }
    }

    private static boolean isSocket(Path path) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            if (mode instanceof Integer m) return (m & S_IFMT) == S_IFSOCK;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // no "unix" attribute view on this platform: fall back to the basic file type
        }
        return attrs.isOther();
    }
}
