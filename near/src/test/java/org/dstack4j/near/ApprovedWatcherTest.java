package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.rpc.NearRpc;
import org.dstack4j.near.watch.ApprovedWatcher;
import org.dstack4j.near.watch.ApprovedWatcher.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApprovedWatcherTest {
    static final String A = "aa".repeat(32), B = "bb".repeat(32);
    @TempDir
    Path dir;
    NearRpcDouble near;
    NearRpc rpc;
    Path file;
    List<String> log = new CopyOnWriteArrayList<>();
    ApprovedWatcher watcher;

    @BeforeEach
    void start() throws Exception {
        near = new NearRpcDouble();
        rpc = new NearRpc(near.url(), Duration.ofSeconds(10), 1 << 20); // no case waits it out: room for a loaded machine
        file = dir.resolve("image-digest.bin");
        watcher = new ApprovedWatcher(new MpcContract(rpc, "v1.signer"), file, log::add);
    }

    @AfterEach
    void stop() {
        rpc.close();
        near.close();
    }

    static String objects(String... hex) {
        StringBuilder sb = new StringBuilder("[");
        for (String h : hex) sb.append(sb.length() > 1 ? "," : "").append("{\"image_hash\":\"").append(h).append("\",\"expiry_timestamp_seconds\":null}");
        return sb.append("]").toString();
    }

    @Test
    void writesTheLaunchersFormatOnlyWhenTheListChanges() throws Exception {
        near.answer("allowed_docker_image_hashes", objects(A));
        assertThat(watcher.pollOnce()).isInstanceOf(Poll.Written.class);
        assertThat(ApprovedHashes.load(file, Optional.empty()).digests()).extracting(Object::toString).containsExactly("sha256:" + A);
        long mtime = Files.getLastModifiedTime(file).toMillis();
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(mtime - 10_000));
        assertThat(watcher.pollOnce()).isInstanceOf(Poll.Unchanged.class);
        assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(mtime - 10_000);
        // the contract approves B (newest first), in the legacy bare-hash shape
        near.answer("allowed_docker_image_hashes", "[\"" + B + "\",\"" + A + "\"]");
        Poll p = watcher.pollOnce();
        assertThat(p).isInstanceOfSatisfying(Poll.Written.class, w -> assertThat(w.before()).extracting(Object::toString).containsExactly("sha256:" + A));
        assertThat(ApprovedHashes.load(file, Optional.empty()).digests()).extracting(Object::toString).containsExactly("sha256:" + B, "sha256:" + A);
        try (var s = Files.list(dir)) {
            assertThat(s.map(f -> f.getFileName().toString())).containsExactly("image-digest.bin");
        }
    }

    @Test
    void neverWritesAnEmptyListAndReplacesABadFile() throws Exception {
        near.answer("allowed_docker_image_hashes", "[]");
        assertThat(watcher.pollOnce()).isInstanceOf(Poll.EmptyRefused.class);
        assertThat(file).doesNotExist();
        Files.writeString(file, "{\"approved_hashes\":[]}");
        assertThat(watcher.pollOnce()).isInstanceOf(Poll.EmptyRefused.class);
        assertThat(Files.readString(file)).isEqualTo("{\"approved_hashes\":[]}");
        near.answer("allowed_docker_image_hashes", objects(A));
        assertThat(watcher.pollOnce()).isInstanceOf(Poll.Written.class);
        assertThat(log).anyMatch(l -> l.contains("is not a valid approved list"));
    }

    @Test
    void anOutageWritesNothingAndAWriteErrorIsThrown() throws Exception {
        near.answer("allowed_docker_image_hashes", objects(A));
        near.down = true;
        assertThat(watcher.pollOnce()).isInstanceOfSatisfying(Poll.RpcFailed.class, f -> assertThat(f.reason()).contains("HTTP 503"));
        assertThat(file).doesNotExist();
        near.down = false;
        // a parent that is a regular file: no temporary file can be created beside the target, even as root
        Path notADir = Files.writeString(dir.resolve("not-a-dir"), "x");
        ApprovedWatcher w = new ApprovedWatcher(new MpcContract(rpc, "v1.signer"), notADir.resolve("image-digest.bin"), log::add);
        assertThatThrownBy(w::pollOnce).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void runBacksOffDuringAnOutageAndRecovers() throws Exception {
        near.answer("allowed_docker_image_hashes", objects(A));
        near.down = true;
        Thread t = new Thread(() -> {
            try {
                watcher.run(Duration.ofMillis(50));
            } catch (InterruptedException e) {
                // stopped
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (log.stream().filter(l -> l.contains("retrying")).count() < 3 && System.nanoTime() < deadline) Thread.sleep(20);
        near.down = false;
        // its own bound: the back-off the watcher is in by now (doubling while this thread was slow to look) comes first
        deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) Thread.sleep(20);
        t.interrupt();
        t.join(2000);
        assertThat(log.stream().filter(l -> l.contains("retrying")))
                .anyMatch(l -> l.contains("retrying in 50 ms")).anyMatch(l -> l.contains("retrying in 100 ms")).anyMatch(l -> l.contains("retrying in 200 ms"));
        assertThat(file).exists();
        assertThat(log).anyMatch(l -> l.startsWith("approved list changed: wrote 1 digest(s)"));
    }
}
