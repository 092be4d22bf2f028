package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
    static final Domain DOMAIN = new Domain("node.example.org");

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoAtTheChainPathIsRefusedPromptly(@TempDir Path dir) throws Exception {
        CertificateStore store = new CertificateStore(dir);
        Path f = store.file(DOMAIN);
        assertThat(new ProcessBuilder("mkfifo", f.toString()).inheritIO().start().waitFor()).isZero();
        assertThatThrownBy(() -> store.read(DOMAIN)).hasMessageContaining(f.toString()).hasMessageContaining("not a regular file");
    }

    @Test
    void aSymlinkAtTheChainPathIsNotFollowed(@TempDir Path dir) throws Exception {
        CertificateStore store = new CertificateStore(dir);
        Path elsewhere = Files.writeString(dir.resolve("elsewhere.pem"), "not read");
        Files.createSymbolicLink(store.file(DOMAIN), elsewhere);
        assertThatThrownBy(() -> store.read(DOMAIN)).hasMessageContaining("symbolic link");
        assertThat(store.read(new Domain("absent.example.org"))).isEmpty();
    }

    @Test
    void theFirstChainIsStoredOnlyWhereNoneIsAndNoTemporaryFileIsLeft(@TempDir Path dir) throws Exception {
        CertificateStore store = new CertificateStore(dir.resolve("certs"));
        var ca = org.dstack4j.tls.testing.TestCa.create("store test");
        var first = java.util.List.of(ca.certificate());
        var second = java.util.List.of(org.dstack4j.tls.testing.TestCa.create("store test").certificate());
        assertThat(store.writeIfAbsent(DOMAIN, first)).isTrue();
        assertThat(store.writeIfAbsent(DOMAIN, second)).isFalse();
        assertThat(store.read(DOMAIN).orElseThrow()).isEqualTo(first);
        store.write(DOMAIN, second); // a renewal replaces
        assertThat(store.read(DOMAIN).orElseThrow()).isEqualTo(second);
        try (var files = Files.list(dir.resolve("certs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(DOMAIN.name() + ".chain.pem");
        }
    }
}
