package org.dstack4j.sdk.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SharedFileTest {
    /** A FIFO at the path, made with the real mkfifo(1). */
    public static Path fifo(Path file) throws Exception {
        Process p = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        return file;
    }

    @Test
    void readsARegularFileUpToOneByteOverTheCap(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("f"), new byte[10]);
        assertThat(SharedFile.read(f, 20)).hasSize(10);
        assertThat(SharedFile.read(f, 4)).hasSize(5);
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedWithoutOpeningIt(@TempDir Path dir) throws Exception {
        Path f = fifo(dir.resolve("f"));
        assertThatThrownBy(() -> SharedFile.read(f, 20)).isInstanceOf(SharedFile.NotRegularFileException.class)
                .hasMessageContaining("FIFO").hasMessageContaining(f.toString());
    }

    @Test
    void aSymlinkIsRefusedEvenToARegularFile(@TempDir Path dir) throws Exception {
        Path target = Files.writeString(dir.resolve("secret"), "s");
        Path link = Files.createSymbolicLink(dir.resolve("f"), target);
        assertThatThrownBy(() -> SharedFile.read(link, 20)).isInstanceOf(SharedFile.NotRegularFileException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> SharedFile.read(dir, 20)).hasMessageContaining("directory");
        assertThatThrownBy(() -> SharedFile.read(dir.resolve("absent"), 20)).isInstanceOf(NoSuchFileException.class);
    }
}
