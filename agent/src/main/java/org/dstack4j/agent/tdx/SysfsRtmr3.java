package org.dstack4j.agent.tdx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * RTMR3 through the tdx_guest sysfs measurement file ({@code .../measurements/rtmr3:sha384},
 * Linux 6.16+): writing a 48-byte SHA-384 digest extends the register, reading gives its 48-byte
 * value. The {@code TDX_CMD_EXTEND_RTMR} ioctl on {@code /dev/tdx_guest} (older kernels) is not
 * implemented: the JDK has no ioctl, and a native helper is not worth it until hardware needs it.
 */
final class SysfsRtmr3 {
    private final Path file;

    /** @param file the sysfs RTMR3 file */
    SysfsRtmr3(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /**
     * Extends RTMR3 with a digest.
     *
     * @param digest 48-byte SHA-384 digest
     * @throws IOException if the kernel refuses the write
     */
    void extend(byte[] digest) throws IOException {
        if (digest.length != RuntimeEvents.RTMR_SIZE) {
            throw new IllegalArgumentException("an RTMR3 extension is a 48-byte digest");
        }
        KernelFiles.write(file, digest);
    }

    /**
     * The current RTMR3, 48 bytes, or empty when the file cannot be read (older kernels expose it
     * write-only or not at all; then the quote is the only way to see the register).
     */
    Optional<byte[]> read() {
        try {
            byte[] b = KernelFiles.read(file, 4096);
            return b.length == RuntimeEvents.RTMR_SIZE ? Optional.of(b) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
