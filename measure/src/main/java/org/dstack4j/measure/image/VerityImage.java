package org.dstack4j.measure.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;

/**
 * Checks a dm-verity image the way the kernel would read it, in pure Java: the data area ({@code dataSize}
 * bytes, {@code dstack.rootfs_size}) followed by a verity superblock (format 1, the {@code veritysetup
 * format --hash-offset=<dataSize>} layout) and the hash tree, top level first. Supported: hash type 1
 * (salt before the block), SHA-256, 4 KiB data and hash blocks, which is what dstack images use.
 *
 * <p>Every data block is hashed, every hash block recomputed and compared byte for byte with the stored one,
 * and the root (the hash of the top block) compared with {@code dstack.rootfs_hash}.
 */
public final class VerityImage {
    static final int BLOCK = 4096;
    static final int DIGEST = 32;
    static final int HASHES_PER_BLOCK = BLOCK / DIGEST;
    private static final int HASH_BITS = 7; // log2(HASHES_PER_BLOCK)
    /** Largest data area accepted (its level-0 digests are held in memory: 128 MiB at this size). */
    public static final long MAX_DATA_BYTES = 16L << 30;

    private VerityImage() {}

    /**
     * Verifies {@code image}.
     *
     * @param rootHashHex {@code dstack.rootfs_hash}: 64 hex digits
     * @param dataSize    {@code dstack.rootfs_size}: bytes of data, a multiple of 4096; the superblock starts here
     * @throws MeasureInputException if the file cannot be read, is too small for its superblock, or the
     *                               superblock is not a format this checker supports
     */
    public static VerityResult verify(Path image, String rootHashHex, long dataSize) throws MeasureInputException {
        byte[] root = parseRoot(rootHashHex);
        if (dataSize <= 0 || dataSize % BLOCK != 0 || dataSize > MAX_DATA_BYTES) {
            throw new MeasureInputException("dstack.rootfs_size " + dataSize + " must be a positive multiple of 4096 up to "
                    + MAX_DATA_BYTES + " bytes");
        }
        long fileSize = InputFiles.size(image, "rootfs image");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            if (fileSize < dataSize + BLOCK) {
                return new VerityResult.Mismatch("rootfs image " + image + " is " + fileSize + " bytes: no verity superblock after "
                        + dataSize + " bytes of data");
            }
            Superblock sb = Superblock.read(readFully(ch, dataSize, 512), image);
            if (sb.dataBlocks() * BLOCK != dataSize) {
                return new VerityResult.Mismatch("the superblock covers " + sb.dataBlocks() + " data blocks but dstack.rootfs_size "
                        + dataSize + " is " + dataSize / BLOCK + " blocks");
            }
            return check(ch, fileSize, dataSize + BLOCK, sb, root);
        } catch (IOException e) {
            throw new MeasureInputException("cannot read rootfs image " + image + ": " + e.getMessage(), e);
        }
    }

    private static VerityResult check(FileChannel ch, long fileSize, long hashStart, Superblock sb, byte[] root) throws IOException {
        long blocks = sb.dataBlocks();
        int levels = levels(blocks);
        // Level i holds ceil(blocks / 128^(i+1)) hash blocks; the top level is stored first.
        long[] levelBlocks = new long[levels];
        long[] levelStart = new long[levels];
        long pos = hashStart;
        for (int i = levels - 1; i >= 0; i--) {
            levelBlocks[i] = ceilShift(blocks, (i + 1) * HASH_BITS);
            levelStart[i] = pos;
            pos += levelBlocks[i] * BLOCK;
        }
        if (fileSize < pos) {
            return new VerityResult.Mismatch("the image ends at " + fileSize + " bytes, inside its hash tree (which needs " + pos + ")");
        }
        MessageDigest md = InputFiles.newDigest("SHA-256");
        // Level 0 input: the data blocks.
        byte[] digests = new byte[Math.toIntExact(blocks * DIGEST)];
        ByteBuffer buf = ByteBuffer.allocate(BLOCK * 256);
        long block = 0;
        while (block < blocks) {
            int n = (int) Math.min(256, blocks - block);
            buf.clear().limit(n * BLOCK);
            readInto(ch, block * BLOCK, buf);
            for (int j = 0; j < n; j++) {
                hash(md, sb.salt(), buf.array(), j * BLOCK, digests, (int) ((block + j) * DIGEST));
            }
            block += n;
        }
        if (levels == 0) {
            return Arrays.equals(Arrays.copyOf(digests, DIGEST), root) ? verified(root, sb, 0)
                    : new VerityResult.Mismatch("the single data block hashes to " + hex(Arrays.copyOf(digests, DIGEST))
                            + ", not dstack.rootfs_hash " + hex(root));
        }
        for (int level = 0; level < levels; level++) {
            long count = levelBlocks[level];
            byte[] next = new byte[Math.toIntExact(count * DIGEST)];
            byte[] expected = new byte[BLOCK];
            for (long b = 0; b < count; b++) {
                Arrays.fill(expected, (byte) 0);
                int from = Math.toIntExact(b * HASHES_PER_BLOCK * DIGEST);
                int len = Math.min(BLOCK, digests.length - from);
                System.arraycopy(digests, from, expected, 0, len);
                byte[] stored = readFully(ch, levelStart[level] + b * BLOCK, BLOCK);
                if (!Arrays.equals(stored, expected)) {
                    return new VerityResult.Mismatch(level == 0
                            ? "data blocks " + b * HASHES_PER_BLOCK + "-" + (b * HASHES_PER_BLOCK + len / DIGEST - 1)
                                    + " or their stored hash block (level 0, block " + b + ") were altered"
                            : "hash tree block " + b + " of level " + level + " differs from the hashes of the level below");
                }
                hash(md, sb.salt(), expected, 0, next, (int) (b * DIGEST));
            }
            digests = next;
        }
        return Arrays.equals(digests, root) ? verified(root, sb, levels)
                : new VerityResult.Mismatch("the hash tree's root is " + hex(digests) + ", not dstack.rootfs_hash " + hex(root));
    }

    /** cryptsetup's level count: enough levels that the top one fits one hash block. */
    static int levels(long dataBlocks) {
        int levels = 0;
        while (HASH_BITS * levels < 64 && ((dataBlocks - 1) >>> (HASH_BITS * levels)) != 0) levels++;
        return levels;
    }

    private static long ceilShift(long n, int bits) {
        return (n + (1L << bits) - 1) >>> bits;
    }

    private static void hash(MessageDigest md, byte[] salt, byte[] data, int off, byte[] out, int outOff) {
        md.update(salt);
        md.update(data, off, BLOCK);
        try {
            md.digest(out, outOff, DIGEST);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private static VerityResult verified(byte[] root, Superblock sb, int levels) {
        return new VerityResult.Verified(hex(root), sb.dataBlocks(), levels, hex(sb.salt()));
    }

    private static byte[] parseRoot(String hex) throws MeasureInputException {
        try {
            byte[] r = HexFormat.of().parseHex(hex);
            if (r.length == DIGEST) return r;
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new MeasureInputException("dstack.rootfs_hash must be 64 hex digits (a SHA-256 root hash), got \"" + hex + "\"");
    }

    private static byte[] readFully(FileChannel ch, long at, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        readInto(ch, at, b);
        return b.array();
    }

    private static void readInto(FileChannel ch, long at, ByteBuffer b) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) throw new IOException("unexpected end of file at " + p);
            p += n;
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** The fields of the 512-byte verity superblock this checker uses. */
    record Superblock(long dataBlocks, byte[] salt) {
        static Superblock read(byte[] raw, Path image) throws MeasureInputException {
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            byte[] sig = new byte[8];
            b.get(sig);
            if (!Arrays.equals(sig, "verity\0\0".getBytes(StandardCharsets.US_ASCII))) {
                throw new MeasureInputException("rootfs image " + image + " has no verity superblock at dstack.rootfs_size; "
                        + "it must be the data followed by veritysetup's superblock and hash tree");
            }
            int version = b.getInt();
            int hashType = b.getInt();
            b.position(b.position() + 16); // uuid
            byte[] alg = new byte[32];
            b.get(alg);
            int dataBlockSize = b.getInt();
            int hashBlockSize = b.getInt();
            long dataBlocks = b.getLong();
            int saltSize = Short.toUnsignedInt(b.getShort());
            b.position(b.position() + 6);
            String algorithm = new String(alg, StandardCharsets.US_ASCII).replace("\0", "");
            if (version != 1 || hashType != 1 || !algorithm.equals("sha256") || dataBlockSize != BLOCK || hashBlockSize != BLOCK
                    || saltSize > 256) {
                throw new MeasureInputException("rootfs image " + image + " has verity superblock version " + version + ", hash type "
                        + hashType + ", " + algorithm + ", blocks " + dataBlockSize + "/" + hashBlockSize
                        + "; only version 1, type 1, sha256, 4096/4096 is supported");
            }
            byte[] salt = new byte[saltSize];
            b.get(salt);
            return new Superblock(dataBlocks, salt);
        }
    }
}
