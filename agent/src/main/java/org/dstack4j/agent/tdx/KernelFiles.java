package org.dstack4j.agent.tdx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Reads and writes kernel attribute files (configfs, sysfs). They report no useful size, so reads
 * go to EOF with a cap; writes are one buffer to an existing file (never created: a missing file
 * means the wrong path or kernel, and creating it would hide that).
 */
final class KernelFiles {
    private KernelFiles() {}

    /**
     * @param cap largest accepted content, in bytes
     * @throws IOException if unreadable or larger than {@code cap}
     */
    static byte[] read(Path file, int cap) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(cap + 1);
            if (b.length > cap) {
                throw new IOException(file + " holds more than " + cap + " bytes");
            }
            return b;
        }
    }

    /** Content as trimmed text (attribute files end with a newline). */
    static String readText(Path file, int cap) throws IOException {
        return new String(read(file, cap), StandardCharsets.US_ASCII).trim();
    }

    /** Writes all bytes to an existing file, as one {@code write(2)} where the kernel allows. */
    static void write(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /** A poll with a deadline: 0.1 ms, doubling to 10 ms between tries. */
    static final class Poll {
        private final long deadline;
        private long sleepNanos = 100_000;

        Poll(Duration timeout) {
            this.deadline = System.nanoTime() + timeout.toNanos();
        }

        /** Waits before the next try; false once the deadline has passed. */
        boolean again() throws InterruptedException {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(Duration.ofNanos(sleepNanos));
            sleepNanos = Math.min(sleepNanos * 2, 10_000_000);
            return true;
        }
    }
}
