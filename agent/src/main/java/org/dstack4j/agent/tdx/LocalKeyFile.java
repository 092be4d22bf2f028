package org.dstack4j.agent.tdx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.agent.keys.K256;

/**
 * The app's root secret without a key provider: 32 random bytes (a valid secp256k1 scalar) kept
 * as 64 hex chars in a file of mode 0600, created on first start. The key file must live on
 * storage only this CVM can read (an encrypted disk): whoever reads it can derive every
 * {@code GetKey} result. Its contents never reach a message.
 */
final class LocalKeyFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private LocalKeyFile() {}

    /**
     * Reads the root secret.
     *
     * @return the 32-byte secret, or empty if the file does not exist
     * @throws TdxStartException if it exists but is not 64 hex chars of a valid secp256k1 key,
     *     or is readable by group or others
     */
    static Optional<byte[]> read(Path file) throws TdxStartException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            if (Files.size(file) > 256) {
                throw new TdxStartException("key file " + file + " is not 64 hex chars");
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(mode)) {
                throw new TdxStartException("key file " + file + " is accessible by group or others ("
                        + PosixFilePermissions.toString(mode) + "); chmod 600 it");
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            byte[] key;
            try {
                key = HexFormat.of().parseHex(text);
            } catch (IllegalArgumentException e) {
                throw new TdxStartException("key file " + file + " is not 64 hex chars");
            }
            if (!K256.isValidSecret(key)) {
                throw new TdxStartException("key file " + file + " does not hold a valid 32-byte secp256k1 key");
            }
            return Optional.of(key);
        } catch (IOException e) {
            throw new TdxStartException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the key file with a fresh random secret (temp file, fsync, atomic rename that fails
     * if the file appeared meanwhile).
     *
     * @return the new 32-byte secret
     * @throws TdxStartException if the file cannot be written
     */
    static byte[] create(Path file) throws TdxStartException {
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        do {
            random.nextBytes(key);
        } while (!K256.isValidSecret(key));
        Path dir = file.toAbsolutePath().getParent();
        Path temp = dir.resolve(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(temp, HexFormat.of().formatHex(key) + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.WRITE);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (Files.exists(file)) {
                throw new FileAlreadyExistsException(file.toString());
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            return key;
        } catch (IOException e) {
            throw new TdxStartException("cannot create key file " + file + ": " + e.getMessage(), e);
        }
    }
}
