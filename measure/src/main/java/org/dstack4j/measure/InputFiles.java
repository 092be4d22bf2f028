package org.dstack4j.measure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Reads operator files with a size cap, so a wrong path (a disk image for a JSON file) fails fast. */
public final class InputFiles {
    private InputFiles() {}

    /**
     * The whole file.
     *
     * @param what     what the file is, for the error ("app-compose", "ovmf.fd")
     * @param maxBytes the largest acceptable size
     * @throws MeasureInputException if it is missing, unreadable or larger than {@code maxBytes}
     */
    public static byte[] read(Path file, String what, long maxBytes) throws MeasureInputException {
        long size = size(file, what);
        if (size > maxBytes) {
            throw new MeasureInputException(what + " " + file + " is " + size + " bytes, more than the " + maxBytes
                    + " a " + what + " can be; check the path");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes((int) maxBytes + 1);
            if (data.length > maxBytes) {
                throw new MeasureInputException(what + " " + file + " grew past " + maxBytes + " bytes while being read");
            }
            return data;
        } catch (IOException e) {
            throw new MeasureInputException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Size in bytes; a missing file is an input error naming it. */
    public static long size(Path file, String what) throws MeasureInputException {
        try {
            if (!Files.isRegularFile(file)) {
                throw new MeasureInputException(what + " " + file + " is missing or not a regular file; check the path");
            }
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw new MeasureInputException(what + " " + file + " does not exist; check the path", e);
        } catch (IOException e) {
            throw new MeasureInputException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Streams the file through {@code algorithm} ("SHA-256", "SHA-384") without holding it in memory.
     *
     * @return the digest and the number of bytes hashed
     */
    public static Hashed digest(Path file, String what, String algorithm) throws MeasureInputException {
        size(file, what);
        MessageDigest md = newDigest(algorithm);
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new MeasureInputException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
        return new Hashed(md.digest(), total);
    }

    /** A digest of a whole file and the file's length in bytes. */
    public record Hashed(byte[] digest, long length) {
        public Hashed {
            digest = digest.clone();
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }
    }

    /** A JDK digest; SHA-256 and SHA-384 are mandatory in every JDK. */
    public static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is mandatory in every JDK", e);
        }
    }
}
