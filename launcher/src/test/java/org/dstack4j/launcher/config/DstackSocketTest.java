package org.dstack4j.launcher.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DstackSocketTest {
    @TempDir
    Path dir;

    @Test
    void acceptsAUnixSocket() throws Exception {
        Path socket = dir.resolve("dstack.sock");
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertThatCode(() -> DstackSocket.require(socket)).doesNotThrowAnyException();
        }
    }

    @Test
    void followsASymlinkToASocket() throws Exception {
        Path socket = dir.resolve("real.sock");
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Path link = Files.createSymbolicLink(dir.resolve("dstack.sock"), socket);
            assertThatCode(() -> DstackSocket.require(link)).doesNotThrowAnyException();
        }
    }

    @Test
    void missingSocketIsAnError() {
        Path socket = dir.resolve("dstack.sock");
        assertThatThrownBy(() -> DstackSocket.require(socket))
                .isInstanceOfSatisfying(InputException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.step()).isEqualTo(LaunchStep.ENVIRONMENT);
                    org.assertj.core.api.Assertions.assertThat(e.input()).isEqualTo(socket.toString());
                    org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("does not exist");
                });
    }

    @Test
    void regularFileIsNotASocket() throws Exception {
        Path file = Files.writeString(dir.resolve("dstack.sock"), "");
        assertThatThrownBy(() -> DstackSocket.require(file))
                .isInstanceOfSatisfying(InputException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("not a unix socket"));
    }

    @Test
    void directoryIsNotASocket() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("dstack.sock"));
        assertThatThrownBy(() -> DstackSocket.require(sub)).isInstanceOf(InputException.class);
    }

    @Test
    void fifoIsNotASocket() throws Exception {
        Path fifo = dir.resolve("dstack.sock");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.assertj.core.api.Assertions.assertThat(p.waitFor()).as("mkfifo (coreutils)").isZero();
        assertThatThrownBy(() -> DstackSocket.require(fifo))
                .isInstanceOfSatisfying(InputException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("not a unix socket"));
    }

    @Test
    void symlinkLoopCannotBeInspected() throws Exception {
        Path a = dir.resolve("dstack.sock");
        Path b = dir.resolve("other.sock");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertThatThrownBy(() -> DstackSocket.require(a))
                .isInstanceOfSatisfying(InputException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("cannot be inspected"));
    }
}
