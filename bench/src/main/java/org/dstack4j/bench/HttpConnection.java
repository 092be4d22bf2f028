package org.dstack4j.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A keep-alive HTTP/1.1 connection over a unix domain socket that sends one request at a time
 * and reads the response to its end ({@code Content-Length} framing; chunked responses are
 * refused, the servers measured do not use them). Responses over 1 MiB are refused.
 * Blocking; {@link #close()} from another thread unblocks a stuck read.
 */
final class HttpConnection implements AutoCloseable {
    private static final int MAX_RESPONSE = 1 << 20;
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocateDirect(MAX_RESPONSE + 16 * 1024);

    HttpConnection(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
    }

    /**
     * Sends the request and reads the whole response.
     *
     * @return the HTTP status code
     * @throws IOException on a broken connection or a malformed or oversized response
     */
    int exchange(ByteBuffer request) throws IOException {
        request.rewind();
        while (request.hasRemaining()) {
            channel.write(request);
        }
        in.clear();
        int headerEnd;
        while ((headerEnd = headerEnd()) < 0) {
            fill();
        }
        byte[] head = new byte[headerEnd];
        in.get(0, head);
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x response: " + lines[0]);
        }
        int length = -1;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:")) {
                throw new IOException("chunked responses are not supported by this load generator");
            }
        }
        if (length < 0 || length > MAX_RESPONSE) {
            throw new IOException("response needs a Content-Length up to " + MAX_RESPONSE + ", got " + length);
        }
        int total = headerEnd + 4 + length;
        while (in.position() < total) {
            fill();
        }
        if (in.position() != total) {
            throw new IOException("server sent bytes after the response");
        }
        return Integer.parseInt(status[1]);
    }

    private void fill() throws IOException {
        if (!in.hasRemaining()) {
            throw new IOException("response larger than " + MAX_RESPONSE + " bytes");
        }
        if (channel.read(in) < 0) {
            throw new EOFException("server closed the connection");
        }
    }

    /** Index of "\r\n\r\n" in the bytes read so far, or -1. */
    private int headerEnd() {
        for (int i = 3; i < in.position(); i++) {
            if (in.get(i) == '\n' && in.get(i - 1) == '\r' && in.get(i - 2) == '\n' && in.get(i - 3) == '\r') {
                return i - 3;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
