package org.dstack4j.launcher.engine;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * HTTP/1.1 to the Docker Engine API on a unix socket or a loopback TCP port: one connection per call
 * ({@code Connection: close}), and every call bounded by a deadline from connect to the last byte.
 *
 * <p>Why not a general HTTP client: the engine speaks a small, fixed subset (JSON bodies,
 * {@code Content-Length} or chunked answers, a chunked JSON-lines stream for pulls), and the
 * launcher needs a hard bound on each call even when the engine accepts and never answers; the JDK
 * offers no read timeout on unix socket channels, so a timer closes the channel at the deadline.
 *
 * <p>Caps: response head {@value #MAX_HEAD_BYTES} bytes, body {@value #MAX_BODY_BYTES} bytes, one
 * streamed message {@value #MAX_LINE_BYTES} bytes. Thread-safe: calls share only the timer.
 */
final class EngineHttp implements AutoCloseable {
    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;
    static final int MAX_LINE_BYTES = 1024 * 1024;

    /** A complete answer: status code and body (empty for a streamed 2xx answer). */
    record Response(int status, byte[] body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A call that ran out of time; {@code silence} when the engine stopped sending mid-stream,
     * {@code connect} when the connection itself was not made within the connect timeout.
     */
    static final class DeadlineExceeded extends IOException {
        final Duration limit;
        final boolean silence;
        final boolean connect;

        DeadlineExceeded(Duration limit, boolean silence) {
            this(limit, silence, false);
        }

        private DeadlineExceeded(Duration limit, boolean silence, boolean connect) {
            super((connect ? "no connection to the engine within " : silence ? "no message from the engine for "
                    : "no complete answer within ") + limit.toMillis() + " ms");
            this.limit = limit;
            this.silence = silence;
            this.connect = connect;
        }

        static DeadlineExceeded connecting(Duration limit) {
            return new DeadlineExceeded(limit, false, true);
        }
    }

    private final DockerHost host;
    private final Duration connectTimeout;
    private final ScheduledThreadPoolExecutor timer;

    EngineHttp(DockerHost host, Duration connectTimeout) {
        this.host = Objects.requireNonNull(host);
        this.connectTimeout = Objects.requireNonNull(connectTimeout);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dstack4j-engine-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * One request with a buffered answer.
     *
     * @param target   path and query, e.g. {@code /containers/mpc-node/json}
     * @param headers  extra request headers
     * @param body     JSON body, or null for none
     * @param deadline for the whole call, connect to last byte
     * @throws DeadlineExceeded when the deadline passes first
     * @throws IOException      when the engine cannot be reached or answers something that is not HTTP
     */
    Response exchange(String method, String target, Map<String, String> headers, byte[] body, Duration deadline)
            throws IOException {
        try (Call call = new Call()) {
            call.arm(deadline, false);
            call.open();
            call.send(method, target, headers, body);
            Head head = call.head();
            Response response = new Response(head.status, call.readBody(head, MAX_BODY_BYTES));
            call.requireInTime();
            return response;
        }
    }

    /**
     * One request whose 2xx answer is a stream of newline-separated messages, each given to
     * {@code messages} as it arrives; any other answer is returned buffered.
     *
     * @param overall bound on the whole call
     * @param silence bound on the wait for each next message
     * @throws DeadlineExceeded when either bound passes first ({@link DeadlineExceeded#silence} says which)
     */
    Response stream(String method, String target, Map<String, String> headers, Duration overall, Duration silence,
                    Consumer<byte[]> messages) throws IOException {
        try (Call call = new Call()) {
            call.arm(overall, false);
            call.arm(silence, true);
            call.open();
            call.send(method, target, headers, null);
            Head head = call.head();
            if (head.status < 200 || head.status >= 300) {
                Response response = new Response(head.status, call.readBody(head, MAX_BODY_BYTES));
                call.requireInTime();
                return response;
            }
            InputStream in = call.bodyStream(head);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; ; ) {
                b = call.read(in);
                if (b == -1 || b == '\n') {
                    if (line.size() > 0 && !isBlank(line.toByteArray())) {
                        call.arm(silence, true);
                        messages.accept(line.toByteArray());
                    }
                    line.reset();
                    if (b == -1) break;
                } else {
                    if (line.size() >= MAX_LINE_BYTES) {
                        throw new IOException("one engine message is longer than " + MAX_LINE_BYTES + " bytes");
                    }
                    line.write(b);
                }
            }
            call.requireInTime();
            return new Response(head.status, new byte[0]);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\r' && b != '\t') return false;
        }
        return true;
    }

    private record Head(int status, long contentLength, boolean chunked) {}

    /** One connection with its timers; closing it cancels them. */
    private final class Call implements AutoCloseable {
        private SocketChannel channel;
        private InputStream in;
        private volatile DeadlineExceeded expired;
        private ScheduledFuture<?> overall;
        private ScheduledFuture<?> silence;

        /** Starts (or restarts) a timer that closes the channel when it fires. */
        void arm(Duration limit, boolean isSilence) {
            ScheduledFuture<?> previous = isSilence ? silence : overall;
            if (previous != null) previous.cancel(false);
            ScheduledFuture<?> next = timer.schedule(() -> expire(new DeadlineExceeded(limit, isSilence)),
                    limit.toNanos(), TimeUnit.NANOSECONDS);
            if (isSilence) silence = next; else overall = next;
        }

        private synchronized void expire(DeadlineExceeded why) {
            if (expired == null) expired = why;
            closeChannel();
        }

        void open() throws IOException {
            ScheduledFuture<?> connecting = timer.schedule(() -> expire(DeadlineExceeded.connecting(connectTimeout)),
                    connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
            try {
                synchronized (this) {
                    if (expired != null) throw expired;
                    channel = "unix".equals(host.uri().getScheme())
                            ? SocketChannel.open(StandardProtocolFamily.UNIX)
                            : SocketChannel.open(StandardProtocolFamily.INET);
                }
                channel.connect("unix".equals(host.uri().getScheme())
                        ? UnixDomainSocketAddress.of(host.uri().getPath())
                        : new InetSocketAddress(host.uri().getHost(), host.uri().getPort()));
                in = new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024);
            } catch (IOException e) {
                throw rethrow(e);
            } finally {
                connecting.cancel(false);
            }
        }

        void send(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
            StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: docker\r\nUser-Agent: dstack4j-launcher\r\nConnection: close\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
            } else if (!"GET".equals(method)) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("\r\n");
            try {
                write(head.toString().getBytes(StandardCharsets.UTF_8));
                if (body != null) write(body);
            } catch (IOException e) {
                throw rethrow(e);
            }
        }

        private void write(byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
        }

        Head head() throws IOException {
            try {
                while (true) {
                    Head head = parseHead(readHeadBytes());
                    if (head.status >= 200 || head.status < 100) return head; // skip 1xx interim answers
                }
            } catch (IOException e) {
                throw rethrow(e);
            }
        }

        private String readHeadBytes() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            int matched = 0; // of "\r\n\r\n"
            while (matched < 4) {
                int b = in.read();
                if (b == -1) {
                    throw new IOException(out.size() == 0 ? "the engine closed the connection without an answer"
                            : "the engine's answer ended inside its HTTP head");
                }
                if (out.size() >= MAX_HEAD_BYTES) throw new IOException("HTTP head longer than " + MAX_HEAD_BYTES + " bytes");
                out.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }

        private static Head parseHead(String text) throws IOException {
            String[] lines = text.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + PullProgress.clean(lines[0]));
            }
            int code;
            try {
                code = Integer.parseInt(status[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status: " + PullProgress.clean(lines[0]));
            }
            long length = -1;
            boolean chunked = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) continue;
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                } else if (name.equals("content-length")) {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + PullProgress.clean(value));
                    }
                    // a negative length would otherwise read the body until the connection closes
                    if (length < 0) throw new IOException("bad Content-Length: " + PullProgress.clean(value));
                }
            }
            return new Head(code, length, chunked);
        }

        /** One byte of a streamed body, a deadline that closed the channel reported as such. */
        int read(InputStream body) throws IOException {
            try {
                return body.read();
            } catch (IOException e) {
                throw rethrow(e);
            }
        }

        InputStream bodyStream(Head head) {
            if (head.chunked) return new ChunkedBody(in);
            if (head.contentLength >= 0) return new LimitedBody(in, head.contentLength);
            return in; // Connection: close: the body ends with the connection
        }

        byte[] readBody(Head head, int cap) throws IOException {
            if (head.status == 204 || head.status == 304) return new byte[0];
            try {
                InputStream body = bodyStream(head);
                byte[] bytes = body.readNBytes(cap + 1);
                if (bytes.length > cap) throw new IOException("engine answer longer than " + cap + " bytes");
                return bytes;
            } catch (IOException e) {
                throw rethrow(e);
            }
        }

        /** The deadline that closed the channel, if one did; else the I/O error itself. */
        private IOException rethrow(IOException e) {
            DeadlineExceeded why = expired;
            return why != null ? why : e;
        }

        private synchronized void closeChannel() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is best effort: the call fails either way
                }
            }
        }

        /** Throws the deadline that fired, if one did: an answer completed after it is still late. */
        void requireInTime() throws DeadlineExceeded {
            DeadlineExceeded why = expired;
            if (why != null) throw why;
        }

        @Override
        public void close() {
            if (overall != null) overall.cancel(false);
            if (silence != null) silence.cancel(false);
            closeChannel();
        }
    }

    /** A body of known length. */
    private static final class LimitedBody extends InputStream {
        private final InputStream in;
        private long left;

        LimitedBody(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b == -1) throw new IOException("the engine's answer ended early");
            left--;
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(buffer, off, (int) Math.min(len, left));
            if (n == -1) throw new IOException("the engine's answer ended early");
            left -= n;
            return n;
        }
    }

    /** {@code Transfer-Encoding: chunked} decoding (RFC 9112 §7.1); trailers are skipped. */
    private static final class ChunkedBody extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (!ready()) return -1;
            int b = in.read();
            if (b == -1) throw new IOException("the engine's chunked answer ended early");
            left--;
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!ready()) return -1;
            int n = in.read(buffer, off, (int) Math.min(len, left));
            if (n == -1) throw new IOException("the engine's chunked answer ended early");
            left -= n;
            return n;
        }

        private boolean ready() throws IOException {
            if (done) return false;
            if (left > 0) return true;
            if (left == 0 && started) expectCrlf();
            String size = line();
            int semicolon = size.indexOf(';');
            try {
                left = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + PullProgress.clean(size));
            }
            if (left < 0) throw new IOException("bad chunk size: " + PullProgress.clean(size));
            started = true;
            if (left == 0) {
                while (!line().isEmpty()) {
                    // trailer fields: ignored
                }
                done = true;
                return false;
            }
            return true;
        }

        private boolean started;

        private void expectCrlf() throws IOException {
            if (!line().isEmpty()) throw new IOException("chunk not followed by CRLF");
        }

        private String line() throws IOException {
            StringBuilder s = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b == -1) throw new IOException("the engine's chunked answer ended early");
                if (s.length() > 1024) throw new IOException("chunk header longer than 1024 bytes");
                if (b != '\r') s.append((char) b);
            }
            return s.toString();
        }
    }
}
