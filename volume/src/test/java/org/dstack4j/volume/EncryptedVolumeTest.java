package org.dstack4j.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.volume.VolumeException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authenticated file format on a real folder, with the host's moves done to the files directly. */
class EncryptedVolumeTest {
    static final ClusterRef CLUSTER = new ClusterRef(31337, Address.parse("0x" + "42".repeat(20)));
    static final int CAP = 1 << 20;

    @TempDir
    Path dir;

    static KeyDerivation kd(int fill) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) fill);
        return KeyDerivation.of(ClusterSecret.of(b), CLUSTER);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    EncryptedVolume create(RollbackGuard guard) throws Exception {
        return EncryptedVolume.create(dir, VolumeKey.shared(kd(7), "appdata"), guard, CAP);
    }

    /** Writes {@code path} and returns the data file that appeared for it. */
    Path write(EncryptedVolume v, String path, String text) throws Exception {
        Set<Path> before = files();
        v.write(path, utf8(text));
        Set<Path> after = files();
        after.removeAll(before);
        assertThat(after).hasSize(1);
        return after.iterator().next();
    }

    Set<Path> files() throws IOException {
        if (!Files.isDirectory(dir.resolve("data"))) return new java.util.HashSet<>();
        try (Stream<Path> s = Files.list(dir.resolve("data"))) {
            return s.collect(Collectors.toCollection(java.util.HashSet::new));
        }
    }

    @Test
    void everyMemberWithTheClusterSecretOpensTheSharedVolumeAndNoOtherKeyDoes() throws Exception {
        EncryptedVolume v = create(RollbackGuard.inMemory());
        v.write("config/app.toml", utf8("port = 8080\n"));
        v.write("db/state.bin", new byte[] {0, 1, 2, (byte) 255});
        EncryptedVolume other = EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), RollbackGuard.inMemory(), CAP);
        assertThat(other.list()).containsExactly("config/app.toml", "db/state.bin");
        assertThat(new String(other.read("config/app.toml"), StandardCharsets.UTF_8)).isEqualTo("port = 8080\n");
        assertThat(other.read("db/state.bin")).containsExactly(0, 1, 2, 255);
        // neither the names nor the contents are on disk in the clear
        for (Path f : files()) {
            assertThat(f.getFileName().toString()).doesNotContain("app", "state");
            assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).doesNotContain("port = 8080");
        }
        for (VolumeKey wrong : List.of(VolumeKey.shared(kd(8), "appdata"), VolumeKey.node(kd(7), Address.parse("0x" + "11".repeat(20)), "appdata"),
                VolumeKey.shared(kd(7), "otherdata"))) {
            assertThatThrownBy(() -> EncryptedVolume.open(dir, wrong, RollbackGuard.inMemory(), CAP))
                    .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.MANIFEST))
                    .hasMessageContaining("fails authentication");
        }
    }

    @Test
    void aFlippedByteIsTamperingNamedByPath() throws Exception {
        EncryptedVolume v = create(RollbackGuard.inMemory());
        Path f = write(v, "notes/today.txt", "hello");
        byte[] b = Files.readAllBytes(f);
        b[b.length - 3] ^= 1;
        Files.write(f, b);
        assertThatThrownBy(() -> v.read("notes/today.txt")).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.problem()).isEqualTo(Problem.TAMPERED)).hasMessage("file 'notes/today.txt' does not match the manifest: its stored bytes were changed");
        assertThat(v.audit()).extracting(VolumeException::problem).containsExactly(Problem.TAMPERED);
    }

    @Test
    void swappedFilesAreNamedBothWays() throws Exception {
        EncryptedVolume v = create(RollbackGuard.inMemory());
        Path a = write(v, "a.txt", "alpha");
        Path b = write(v, "b.txt", "bravo");
        Path tmp = dir.resolve("swap");
        Files.move(a, tmp);
        Files.move(b, a);
        Files.move(tmp, b);
        assertThatThrownBy(() -> v.read("a.txt")).isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.SWAPPED))
                .hasMessage("file 'a.txt' holds the stored bytes of 'b.txt': files were swapped");
        assertThatThrownBy(() -> v.read("b.txt")).hasMessageContaining("file 'b.txt' holds the stored bytes of 'a.txt'");
    }

    @Test
    void anOlderCopyOfOneFileIsARollbackEitherWayTheHostPutsItBack() throws Exception {
        EncryptedVolume v = create(RollbackGuard.inMemory());
        Path v1 = write(v, "counter", "1");
        byte[] old = Files.readAllBytes(v1);
        Path v2 = write(v, "counter", "2");
        assertThat(v1).doesNotExist(); // the old version is removed after the commit
        assertThat(new String(v.read("counter"), StandardCharsets.UTF_8)).isEqualTo("2");
        // (1) the old bytes under the current name
        Files.write(v2, old);
        assertThatThrownBy(() -> v.read("counter")).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.problem()).isEqualTo(Problem.ROLLED_BACK)).hasMessage("file 'counter' holds version 1, the manifest records version 2: an older copy was put back");
        // (2) the old file back under its own name, the current one gone
        Files.delete(v2);
        Files.write(v1, old);
        assertThatThrownBy(() -> v.read("counter")).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.problem()).isEqualTo(Problem.ROLLED_BACK)).hasMessageContaining("file 'counter' is at version 1 on disk, the manifest records version 2");
        Files.delete(v1);
        assertThatThrownBy(() -> v.read("counter")).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.problem()).isEqualTo(Problem.MISSING)).hasMessage("file 'counter' (version 2) is missing from the disk");
    }

    @Test
    void aWholeVolumeRolledBackIsCaughtWhileTheGuardLivesAndNotAfterARestart() throws Exception {
        RollbackGuard guard = RollbackGuard.inMemory();
        EncryptedVolume v = create(guard);
        v.write("balance", utf8("100"));
        Path snapshot = dir.resolveSibling(dir.getFileName() + "-snapshot");
        copyTree(dir, snapshot);
        v.write("balance", utf8("0"));
        v.write("spent", utf8("100"));
        deleteTree(dir);
        copyTree(snapshot, dir);   // the host puts the whole older volume back: self-consistent
        assertThatThrownBy(() -> EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), guard, CAP))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.ROLLED_BACK))
                .hasMessage("the manifest of volume appdata is generation 2, older than generation 4 already seen (this process's memory): the whole volume was rolled back");
        // the documented limit: a fresh process without an outside counter accepts the old volume
        EncryptedVolume afterRestart = EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), RollbackGuard.inMemory(), CAP);
        assertThat(new String(afterRestart.read("balance"), StandardCharsets.UTF_8)).isEqualTo("100");
        deleteTree(snapshot);
    }

    @Test
    void aChangedOrDeletedManifestAndBadPathsAreRefusedByName() throws Exception {
        RollbackGuard guard = RollbackGuard.inMemory();
        EncryptedVolume v = create(guard);
        v.write("x", utf8("y"));
        Path m = dir.resolve("manifest");
        byte[] b = Files.readAllBytes(m);
        b[b.length - 1] ^= 0x40;
        Files.write(m, b);
        assertThatThrownBy(() -> EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), guard, CAP))
                .hasMessage("the manifest of volume appdata fails authentication: changed on disk, or another volume's, or another key's");
        Files.delete(m);
        assertThatThrownBy(() -> EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), guard, CAP))
                .hasMessageContaining("had reached generation 2 (this process's memory), so it was deleted or rolled back");
        assertThatThrownBy(() -> EncryptedVolume.create(dir, VolumeKey.shared(kd(7), "appdata"), guard, CAP))
                .hasMessageContaining("re-creating it empty would be a rollback");
        assertThatThrownBy(() -> v.write("../escape", utf8("z"))).hasMessageContaining("volume path '../escape' must be relative");
        assertThatThrownBy(() -> v.read("nope")).isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.NOT_FOUND));
        assertThatThrownBy(() -> VolumeKey.shared(kd(7), "bad name")).hasMessageContaining("a volume name is");
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    @Test
    void anOversizedManifestIsTooLargeNotAnIoError() throws Exception {
        create(RollbackGuard.inMemory());
        try (var out = Files.newOutputStream(dir.resolve("manifest"))) {
            out.write(new byte[EncryptedVolume.MAX_MANIFEST_BYTES + 1]);
        }
        assertThatThrownBy(() -> EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), RollbackGuard.inMemory(), CAP))
                .isInstanceOfSatisfying(VolumeException.class, e -> {
                    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
                    assertThat(e.getMessage()).contains("manifest").contains("over " + EncryptedVolume.MAX_MANIFEST_BYTES + " bytes");
                });
    }

    @Test
    void theFileCapIsValidated() {
        for (int bad : new int[] {0, -1, Integer.MAX_VALUE, EncryptedVolume.MAX_FILE_BYTES + 1}) {
            assertThatThrownBy(() -> EncryptedVolume.create(dir, VolumeKey.shared(kd(7), "appdata"), RollbackGuard.inMemory(), bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFileBytes must be 1..");
            assertThatThrownBy(() -> EncryptedVolume.open(dir, VolumeKey.shared(kd(7), "appdata"), RollbackGuard.inMemory(), bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFileBytes must be 1..");
        }
        assertThat(Files.exists(dir.resolve("manifest"))).isFalse();
    }
}
