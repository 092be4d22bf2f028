package org.dstack4j.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.dstack4j.sdk.file.SharedFile;

/**
 * Where members share the domain's certificate chain: {@code DIR/DOMAIN.chain.pem}, a folder on host-controlled
 * storage (every member's host, or a shared one). A certificate is public, so the host may read it; it may also
 * replace it, which is why no member serves what it reads here before {@link CertificateCheck} accepts it.
 * Reads are capped at {@value #MAX_BYTES} bytes and take only a regular file (no symlink followed, no FIFO opened,
 * whose open would block the member); writes are atomic (a temporary file, then a rename), and the first chain of a
 * domain is stored only if no file is there yet ({@link #writeIfAbsent}), so members ordering at once keep one.
 */
public final class CertificateStore {
    /** Largest chain file read. */
    public static final int MAX_BYTES = 64 * 1024;
    private final Path dir;

    public CertificateStore(Path dir) {
        this.dir = dir;
    }

    /** The file of {@code domain}. */
    public Path file(Domain domain) {
        return dir.resolve(domain.name() + ".chain.pem");
    }

    /**
     * The chain stored for {@code domain}, leaf first; empty when there is no file.
     *
     * @throws IOException when the path is not a regular file ({@link SharedFile.NotRegularFileException}), is over
     *                     the cap or holds no PEM certificates
     */
    public Optional<List<X509Certificate>> read(Domain domain) throws IOException {
        Path f = file(domain);
        byte[] bytes;
        try {
            bytes = SharedFile.read(f, MAX_BYTES); // the host writes here: a FIFO or symlink is refused, not opened
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (bytes.length > MAX_BYTES) throw new IOException(f + " is over " + MAX_BYTES + " bytes: not a certificate chain");
        return Optional.of(parse(bytes, f.toString()));
    }

    /** Replaces the chain of {@code domain}. */
    public void write(Domain domain, List<X509Certificate> chain) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, domain.name(), ".tmp");
        try {
            Files.writeString(tmp, pem(chain), StandardCharsets.US_ASCII);
            Files.move(tmp, file(domain), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp); // gone after the move; left by a failed write or move (a full disk, a planted folder)
        }
    }

    /**
     * Stores the chain of {@code domain} only if no file is there: a hard link of a complete temporary file, which the
     * kernel refuses when the name exists (on a file system without hard links, a non-atomic check then a rename).
     *
     * @return false when a file was already there (left as it is)
     * @throws IOException when the folder cannot be written
     */
    public boolean writeIfAbsent(Domain domain, List<X509Certificate> chain) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, domain.name(), ".tmp");
        try {
            Files.writeString(tmp, pem(chain), StandardCharsets.US_ASCII);
            try {
                Files.createLink(file(domain), tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | IOException e) {
                if (Files.exists(file(domain), LinkOption.NOFOLLOW_LINKS)) return false;
                try {
                    Files.move(tmp, file(domain)); // without REPLACE_EXISTING: refuses a name that appeared meanwhile
                    return true;
                } catch (FileAlreadyExistsException raced) {
                    return false;
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Certificates in PEM (or DER) form; {@code what} names the source in the error. */
    public static List<X509Certificate> parse(byte[] bytes, String what) throws IOException {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes)).stream()
                    .map(c -> (X509Certificate) c).toList();
        } catch (CertificateException e) {
            throw new IOException(what + " does not hold PEM certificates: " + e.getMessage(), e);
        }
    }

    /** PEM text of {@code chain}. */
    public static String pem(List<X509Certificate> chain) {
        StringBuilder sb = new StringBuilder();
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate c : chain) {
            try {
                sb.append("-----BEGIN CERTIFICATE-----\n").append(b64.encodeToString(c.getEncoded())).append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }
}
