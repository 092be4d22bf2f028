package org.dstack4j.volume;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import org.dstack4j.volume.VolumeException.Problem;

/**
 * An encrypted, authenticated file store in a host-controlled folder (docs/volume.md has the format):
 * {@code DIR/manifest} and {@code DIR/data/ID.VERSION}, where ID is HMAC-SHA256(names key, path) (the host sees no
 * names) and each file is {@code "D4JVF1" ‖ uint64 version ‖ 12-byte random nonce ‖ AES-256-GCM(data)} with AAD
 * {@code "dstack4j/volume/file/v1" ‖ lp(volume) ‖ lp(path) ‖ uint64 version}. The manifest is encrypted the same
 * way (AAD binds the volume and its generation) and lists every path with its version and the SHA-256 of its stored
 * bytes, so a flipped byte, a swapped file and an older copy of a file are each detected and named. A commit
 * writes the new file version, then the manifest (both atomically renamed, fsynced), then removes the old version:
 * a crash in between leaves the previous consistent state. One writer at a time (methods are synchronized).
 */
public final class EncryptedVolume {
    static final byte[] FILE_MAGIC = "D4JVF1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MANIFEST_MAGIC = "D4JVM1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 6 + 8 + 12;
    /** Largest manifest read. */
    public static final int MAX_MANIFEST_BYTES = 16 << 20;
    /** Largest {@code maxFileBytes}: a file is read and decrypted in memory, whole. */
    public static final int MAX_FILE_BYTES = 1 << 30;

    private final Path dir;
    private final VolumeKey key;
    private final RollbackGuard guard;
    private final int maxFileBytes;
    private final SecureRandom random = new SecureRandom();
    private Manifest manifest;

    private EncryptedVolume(Path dir, VolumeKey key, RollbackGuard guard, int maxFileBytes, Manifest manifest) {
        requireFileCap(maxFileBytes);
        this.dir = dir;
        this.key = key;
        this.guard = guard;
        this.maxFileBytes = maxFileBytes;
        this.manifest = manifest;
    }

    /**
     * Creates an empty volume in {@code dir} (which must hold no manifest).
     *
     * @param maxFileBytes the largest file, in bytes, 1..{@value #MAX_FILE_BYTES} (reads of bigger stored files are refused)
     * @throws IllegalArgumentException when {@code maxFileBytes} is out of range
     */
    public static EncryptedVolume create(Path dir, VolumeKey key, RollbackGuard guard, int maxFileBytes) throws VolumeException {
        requireFileCap(maxFileBytes);
        if (Files.exists(dir.resolve("manifest"))) {
            throw new VolumeException(Problem.MANIFEST, dir + " already holds a volume (a manifest); open it instead");
        }
        long floor = guard.floor();
        if (floor > 0) {
            throw new VolumeException(Problem.MANIFEST, "volume " + key.volume() + " reached generation " + floor
                    + " before (" + guard.source() + "): re-creating it empty would be a rollback");
        }
        EncryptedVolume v = new EncryptedVolume(dir, key, guard, maxFileBytes, Manifest.empty());
        v.commit(new Manifest(1, Map.of()));
        return v;
    }

    /** Opens the volume in {@code dir}: its manifest must authenticate and be no older than {@code guard} allows. */
    public static EncryptedVolume open(Path dir, VolumeKey key, RollbackGuard guard, int maxFileBytes) throws VolumeException {
        requireFileCap(maxFileBytes);
        byte[] stored;
        long floor = guard.floor();
        try {
            stored = readCapped(dir.resolve("manifest"), MAX_MANIFEST_BYTES);
        } catch (TooLarge e) {
            throw new VolumeException(Problem.TOO_LARGE, "the manifest of volume " + key.volume() + " is over " + MAX_MANIFEST_BYTES
                    + " bytes on disk: not a manifest this code wrote");
        } catch (NoSuchFileException e) {
            throw new VolumeException(Problem.MANIFEST, "no manifest in " + dir + (floor > 0
                    ? ": volume " + key.volume() + " had reached generation " + floor + " (" + guard.source() + "), so it was deleted or rolled back"
                    : ": not a volume (create one first)"));
        } catch (IOException e) {
            throw io("manifest", e);
        }
        if (stored.length < HEADER + 16 || !Arrays.equals(stored, 0, 6, MANIFEST_MAGIC, 0, 6)) {
            throw new VolumeException(Problem.MANIFEST, "the manifest of volume " + key.volume() + " is not a dstack4j volume manifest");
        }
        long gen = ByteBuffer.wrap(stored, 6, 8).getLong();
        byte[] plain;
        try {
            plain = crypt(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(stored, 14, 26), manifestAad(key, gen), stored, HEADER);
        } catch (AEADBadTagException e) {
            throw new VolumeException(Problem.MANIFEST, "the manifest of volume " + key.volume()
                    + " fails authentication: changed on disk, or another volume's, or another key's");
        }
        Manifest m = Manifest.decode(plain);
        if (m.generation() != gen) throw new VolumeException(Problem.MANIFEST, "the manifest's generation fields disagree");
        if (gen < floor) {
            throw new VolumeException(Problem.ROLLED_BACK, "the manifest of volume " + key.volume() + " is generation " + gen
                    + ", older than generation " + floor + " already seen (" + guard.source() + "): the whole volume was rolled back");
        }
        guard.advance(gen);
        return new EncryptedVolume(dir, key, guard, maxFileBytes, m);
    }

    /** The paths in the volume, sorted. */
    public synchronized List<String> list() {
        return List.copyOf(manifest.entries().keySet());
    }

    /** The manifest's generation (commits so far). */
    public synchronized long generation() {
        return manifest.generation();
    }

    /**
     * The contents of {@code path}, after checking the stored bytes against the manifest and decrypting them.
     *
     * @throws VolumeException NOT_FOUND, MISSING, ROLLED_BACK, SWAPPED, TAMPERED or TOO_LARGE, naming the path
     */
    public synchronized byte[] read(String path) throws VolumeException {
        VolumePath.check(path);
        Manifest.Entry e = manifest.get(path).orElseThrow(() -> new VolumeException(Problem.NOT_FOUND, "no file '" + path + "' in volume " + key.volume()));
        String id = id(path);
        Path f = data().resolve(id + "." + e.version());
        byte[] stored;
        try {
            stored = readCapped(f, maxFileBytes + HEADER + 16);
        } catch (NoSuchFileException x) {
            long older = olderVersionOnDisk(id, e.version());
            if (older > 0) {
                throw new VolumeException(Problem.ROLLED_BACK, "file '" + path + "' is at version " + older + " on disk, the manifest records version "
                        + e.version() + ": an older copy was put back");
            }
            throw new VolumeException(Problem.MISSING, "file '" + path + "' (version " + e.version() + ") is missing from the disk");
        } catch (TooLarge x) {
            throw new VolumeException(Problem.TOO_LARGE, "file '" + path + "' is over " + maxFileBytes + " bytes on disk");
        } catch (IOException x) {
            throw io(path, x);
        }
        if (!MessageDigest.isEqual(sha256(stored), e.storedHash())) throw mismatch(path, e, stored);
        try {
            return crypt(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(stored, 14, 26), fileAad(key, path, e.version()), stored, HEADER);
        } catch (AEADBadTagException x) {
            throw new VolumeException(Problem.TAMPERED, "file '" + path + "' fails authentication: its stored bytes were changed");
        }
    }

    /** Writes {@code data} as the next version of {@code path} and commits. */
    public synchronized void write(String path, byte[] data) throws VolumeException {
        VolumePath.check(path);
        if (data.length > maxFileBytes) throw new VolumeException(Problem.TOO_LARGE, "file '" + path + "' is " + data.length + " bytes, over " + maxFileBytes);
        long version = manifest.get(path).map(Manifest.Entry::version).orElse(0L) + 1;
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        byte[] ct;
        try {
            ct = crypt(Cipher.ENCRYPT_MODE, key, nonce, fileAad(key, path, version), data, 0);
        } catch (AEADBadTagException x) {
            throw new IllegalStateException(x);
        }
        byte[] stored = ByteBuffer.allocate(HEADER + ct.length).put(FILE_MAGIC).putLong(version).put(nonce).put(ct).array();
        String id = id(path);
        try {
            Files.createDirectories(data());
            atomicWrite(data().resolve(id + "." + version), stored);
        } catch (IOException x) {
            throw io(path, x);
        }
        commit(manifest.with(path, new Manifest.Entry(version, sha256(stored))));
        deleteQuietly(data().resolve(id + "." + (version - 1)));
    }

    /** Removes {@code path} from the volume and commits. */
    public synchronized void delete(String path) throws VolumeException {
        VolumePath.check(path);
        Manifest.Entry e = manifest.get(path).orElseThrow(() -> new VolumeException(Problem.NOT_FOUND, "no file '" + path + "' in volume " + key.volume()));
        commit(manifest.without(path));
        deleteQuietly(data().resolve(id(path) + "." + e.version()));
    }

    /** Reads every file; the problems found (empty when the volume is intact). */
    public synchronized List<VolumeException> audit() {
        List<VolumeException> problems = new ArrayList<>();
        for (String p : manifest.entries().keySet()) {
            try {
                read(p);
            } catch (VolumeException e) {
                problems.add(e);
            }
        }
        return problems;
    }

    private VolumeException mismatch(String path, Manifest.Entry e, byte[] stored) {
        long onDisk = stored.length >= HEADER && Arrays.equals(stored, 0, 6, FILE_MAGIC, 0, 6) ? ByteBuffer.wrap(stored, 6, 8).getLong() : -1;
        if (onDisk >= 0 && onDisk < e.version()) {
            return new VolumeException(Problem.ROLLED_BACK, "file '" + path + "' holds version " + onDisk + ", the manifest records version "
                    + e.version() + ": an older copy was put back");
        }
        byte[] h = sha256(stored);
        for (Map.Entry<String, Manifest.Entry> other : manifest.entries().entrySet()) {
            if (!other.getKey().equals(path) && MessageDigest.isEqual(h, other.getValue().storedHash())) {
                return new VolumeException(Problem.SWAPPED, "file '" + path + "' holds the stored bytes of '" + other.getKey() + "': files were swapped");
            }
        }
        return new VolumeException(Problem.TAMPERED, "file '" + path + "' does not match the manifest: its stored bytes were changed");
    }

    private void commit(Manifest next) throws VolumeException {
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        byte[] ct;
        try {
            ct = crypt(Cipher.ENCRYPT_MODE, key, nonce, manifestAad(key, next.generation()), next.encode(), 0);
        } catch (AEADBadTagException x) {
            throw new IllegalStateException(x);
        }
        byte[] stored = ByteBuffer.allocate(HEADER + ct.length).put(MANIFEST_MAGIC).putLong(next.generation()).put(nonce).put(ct).array();
        try {
            Files.createDirectories(dir);
            atomicWrite(dir.resolve("manifest"), stored);
        } catch (IOException x) {
            throw io("manifest", x);
        }
        manifest = next;
        guard.advance(next.generation());
    }

    private long olderVersionOnDisk(String id, long version) {
        long best = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(data(), id + ".*")) {
            for (Path p : ds) {
                String v = p.getFileName().toString().substring(id.length() + 1);
                if (v.matches("[0-9]{1,18}")) {
                    long n = Long.parseLong(v);
                    if (n < version) best = Math.max(best, n);
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return best;
    }

    private Path data() {
        return dir.resolve("data");
    }

    private String id(String path) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key.names());
            return HexFormat.of().formatHex(mac.doFinal(path.getBytes(StandardCharsets.UTF_8)), 0, 20);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] fileAad(VolumeKey key, String path, long version) {
        return aad("dstack4j/volume/file/v1", key.volume(), path, version);
    }

    static byte[] manifestAad(VolumeKey key, long generation) {
        return aad("dstack4j/volume/manifest/v1", key.volume(), "", generation);
    }

    private static byte[] aad(String tag, String volume, String path, long counter) {
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII), v = volume.getBytes(StandardCharsets.UTF_8), p = path.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(t.length + 4 + v.length + p.length + 8).put(t).putShort((short) v.length).put(v)
                .putShort((short) p.length).put(p).putLong(counter).array();
    }

    /** AES-256-GCM with a 128-bit tag over {@code in[offset..]}. */
    private static byte[] crypt(int mode, VolumeKey key, byte[] nonce, byte[] aad, byte[] in, int offset) throws AEADBadTagException {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, key.encryption(), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(in, offset, in.length - offset);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable: " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireFileCap(int maxFileBytes) {
        if (maxFileBytes < 1 || maxFileBytes > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("maxFileBytes must be 1.." + MAX_FILE_BYTES + ", got " + maxFileBytes);
        }
    }

    private static final class TooLarge extends IOException {
        TooLarge() {
            super("too large");
        }
    }

    private static byte[] readCapped(Path f, int cap) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] b = in.readNBytes(cap + 1);
            if (b.length > cap) throw new TooLarge();
            return b;
        }
    }

    private static void atomicWrite(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), ".tmp-", "");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a stale old version is harmless: the manifest names the current one
        }
    }

    private static VolumeException io(String what, IOException e) {
        return new VolumeException(Problem.IO, "volume I/O on '" + what + "' failed: " + e.getMessage(), e);
    }
}
