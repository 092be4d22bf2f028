package org.dstack4j.measure.tdx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's {@code ovmf} package files (scripts/test installs the package). */
final class DebianOvmf {
    /** OVMF built with TDX support: the TDVF layout dstack's ovmf.fd has. */
    static final Path OVMF_FD = Path.of("/usr/share/ovmf/OVMF.fd");
    /** The 4 MiB code-only build: an OVMF GUIDed table but no TDX metadata. */
    static final Path CODE_4M = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");

    private DebianOvmf() {}

    static byte[] read(Path p) {
        if (!Files.isRegularFile(p)) throw new IllegalStateException(p + " is missing: install Debian's ovmf package (scripts/test does)");
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
