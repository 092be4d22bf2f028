package org.dstack4j.cluster.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hostile host relay's tunnel, written for the tests: it answers {@code CONNECT} on a unix socket, records every byte
 * it carries, and can connect the tunnel to another target than the one asked for ({@code redirect}) or flip a byte in
 * each TLS application-data record the server sends once the node has sent its request ({@code flip}).
 */
final class HostileTunnel implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path socket;
    private final Optional<InetSocketAddress> redirect;
    private final boolean flip;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    final AtomicInteger flipped = new AtomicInteger();

    HostileTunnel(Path socket, Optional<InetSocketAddress> redirect, boolean flip) throws IOException {
        Files.deleteIfExists(socket);
        this.socket = socket;
        this.redirect = redirect;
        this.flip = flip;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel c = server.accept();
                    Thread.ofVirtual().start(() -> tunnel(c));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Every byte carried, both directions, as ISO-8859-1 text (for "does it contain" assertions). */
    String seen() {
        synchronized (seen) {
            return seen.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private void tunnel(SocketChannel c) {
        try (c; SocketChannel up = SocketChannel.open()) {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            String head = readHead(in);
            String[] target = head.split(" ", 3)[1].split(":");
            up.connect(redirect.orElse(new InetSocketAddress(target[0], Integer.parseInt(target[1]))));
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicInteger clientRecords = new AtomicInteger();
            Thread down = Thread.ofVirtual().start(() -> records(Channels.newInputStream(up), out, null, clientRecords));
            records(in, Channels.newOutputStream(up), clientRecords, null);
            down.join(10_000);
        } catch (IOException | InterruptedException | RuntimeException ignored) {
            // the test reads the outcome at the node
        }
    }

    /**
     * Copies TLS records (or, when it is not TLS, raw bytes) from {@code in} to {@code out}. Upstream counts the node's
     * application-data records; downstream flips a byte in each of the server's once the node has sent two (the TLS
     * 1.3 Finished and the HTTP request).
     */
    private void records(InputStream in, OutputStream out, AtomicInteger countSent, AtomicInteger nodeRecords) {
        try {
            byte[] header = new byte[5];
            while (true) {
                int n = in.readNBytes(header, 0, 5);
                if (n < 5) {
                    record(header, n);
                    out.write(header, 0, n);
                    out.flush();
                    return;
                }
                boolean tls = header[0] >= 20 && header[0] <= 23 && header[1] == 3;
                int len = tls ? ((header[3] & 0xff) << 8) | (header[4] & 0xff) : 0;
                byte[] body = tls ? in.readNBytes(len) : in.readNBytes(Math.max(0, in.available()));
                if (tls && header[0] == 23 && countSent != null) countSent.incrementAndGet();
                if (flip && tls && header[0] == 23 && nodeRecords != null && nodeRecords.get() >= 2 && body.length > 0) {
                    body[body.length / 2] ^= 0x01;
                    flipped.incrementAndGet();
                }
                record(header, 5);
                record(body, body.length);
                out.write(header);
                out.write(body);
                out.flush();
            }
        } catch (IOException ignored) {
            // closed
        }
    }

    private void record(byte[] b, int n) {
        synchronized (seen) {
            seen.write(b, 0, n);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int x = in.read();
            if (x < 0) throw new IOException("closed before the request head ended");
            b.write(x);
            matched = (x == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (x == '\r' ? 1 : 0);
            if (b.size() > 8192) throw new IOException("head too long");
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
