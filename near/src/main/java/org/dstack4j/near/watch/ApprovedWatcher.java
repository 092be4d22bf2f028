package org.dstack4j.near.watch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.launcher.selection.ImageDigest;
import org.dstack4j.near.mpc.AllowedImage;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.rpc.NearRpcException;

/**
 * The node side of upgrades: keeps the launcher's approved hashes file ({@code /mnt/shared/image-digest.bin}) equal
 * to the MPC contract's {@code allowed_docker_image_hashes}, in the contract's order (newest first). The file is
 * written in the launcher's own format ({@link ApprovedHashes#toFileBytes()}, checked by {@link ApprovedHashes#parse}
 * before it is written) only when the list differs from the file's, through a temporary file in the same directory
 * that is fsynced and renamed over it. An empty list is never written: the launcher would refuse the file and the
 * node would not boot. RPC failures are retried with back-off from the interval up to {@link #MAX_BACKOFF}; a write
 * failure ends {@link #run} with an {@link IOException}.
 */
public final class ApprovedWatcher {
    /** The longest wait between polls while the RPC fails: 60 s. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    /** What one poll did. */
    public sealed interface Poll {
        /** The file was (re)written with this list. */
        record Written(List<ImageDigest> digests, List<ImageDigest> before) implements Poll {}

        /** The file already holds the contract's list. */
        record Unchanged() implements Poll {}

        /** The contract returned no approved image; the file was left as it is. */
        record EmptyRefused() implements Poll {}

        /** The RPC failed; nothing was written. */
        record RpcFailed(String reason) implements Poll {}
    }

    private final MpcContract contract;
    private final Path file;
    private final Consumer<String> log;

    /**
     * @param log receives one line per change, refusal or outage (no secrets: digests, paths and RPC host only)
     */
    public ApprovedWatcher(MpcContract contract, Path file, Consumer<String> log) {
        this.contract = contract;
        this.file = file;
        this.log = log;
    }

    /**
     * One poll: read the contract's list, compare with the file, write when different.
     *
     * @throws IOException when the file cannot be written (the caller should stop: the launcher would keep a stale list)
     */
    public Poll pollOnce() throws IOException {
        List<AllowedImage> images;
        try {
            images = contract.allowedImages();
        } catch (NearRpcException e) {
            return new Poll.RpcFailed(e.getMessage());
        }
        if (images.isEmpty()) return new Poll.EmptyRefused();
        List<ImageDigest> digests = images.stream().map(i -> new ImageDigest(i.hex())).distinct().toList();
        List<ImageDigest> before = current().orElse(List.of());
        if (before.equals(digests)) return new Poll.Unchanged();
        ApprovedHashes hashes = new ApprovedHashes(digests, new ApprovedHashes.FromFile(file));
        byte[] bytes = hashes.toFileBytes();
        try {
            ApprovedHashes.parse(bytes, file); // the launcher must accept what is written
        } catch (InputException e) {
            throw new IllegalStateException("the approved hashes writer produced a file the launcher refuses", e);
        }
        writeAtomically(bytes);
        return new Poll.Written(digests, before);
    }

    /**
     * Polls every {@code interval} until interrupted or a write fails; logs each change, each empty answer (once per
     * run of them), each outage and each recovery.
     *
     * @throws IOException on a write failure
     * @throws InterruptedException when the thread is interrupted (the normal stop)
     */
    public void run(Duration interval) throws IOException, InterruptedException {
        Duration wait = interval;
        Class<?> last = null;
        while (true) {
            Poll p = pollOnce();
            switch (p) {
                case Poll.Written w -> log.accept("approved list changed: wrote " + w.digests().size() + " digest(s) to " + file
                        + ": " + w.digests() + (w.before().isEmpty() ? "" : " (was " + w.before() + ")"));
                case Poll.EmptyRefused e -> {
                    if (last != Poll.EmptyRefused.class) log.accept("contract " + contract.account() + " approves no image; " + file + " left as it is");
                }
                case Poll.RpcFailed f -> log.accept(f.reason() + "; retrying in " + wait.toMillis() + " ms");
                case Poll.Unchanged u -> {
                    if (last == Poll.RpcFailed.class) log.accept("NEAR RPC answers again; " + file + " is current");
                }
            }
            if (p instanceof Poll.RpcFailed) {
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? max(interval, MAX_BACKOFF) : wait.multipliedBy(2);
            } else {
                wait = interval;
                Thread.sleep(interval.toMillis());
            }
            last = p.getClass();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The file's list when it exists and the launcher accepts it; empty otherwise (then it is rewritten). */
    private Optional<List<ImageDigest>> current() {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(ApprovedHashes.load(file, Optional.empty()).digests());
        } catch (InputException e) {
            log.accept(file + " is not a valid approved list (" + e.getMessage() + "); it will be replaced");
            return Optional.empty();
        }
    }

    private void writeAtomically(byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically into " + dir, e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        // the rename is durable only once the directory is synced
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some filesystems cannot sync a directory; the file itself is synced
        }
    }
}
