package org.dstack4j.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * A faulty dstack guest agent on a unix socket, for fault injection only: a raw
 * {@link ServerSocketChannel} that reads HTTP/1.1 requests ({@code POST /<Method>}) and answers
 * whatever the script says for that method: a JSON answer with any status, garbage bytes, or
 * nothing at all. Calls are recorded by method name.
 */
final class FakeAgent implements AutoCloseable {
    /** How to answer one call. */
    sealed interface Answer {
        /** An HTTP response with a JSON body. */
        record Json(int status, String body) implements Answer {}

        /** These raw bytes instead of an HTTP response, then close. */
        record Garbage(byte[] bytes) implements Answer {}

        /** Read the request and never answer. */
        record Hang() implements Answer {}
    }

    final Path socket;
    private final ServerSocketChannel server;
    private final Function<String, Answer> script;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private FakeAgent(Path socket, ServerSocketChannel server, Function<String, Answer> script) {
        this.socket = socket;
        this.server = server;
        this.script = script;
    }

    /** Binds {@code socket} and serves calls with {@code script} (method name → answer). */
    static FakeAgent start(Path socket, Function<String, Answer> script) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        FakeAgent agent = new FakeAgent(socket, server, script);
        Thread.ofVirtual().name("fake-agent").start(agent::acceptLoop);
        return agent;
    }

    /** Method names called so far, in order (e.g. {@code GetQuote}, {@code EmitEvent}). */
    List<String> calls() {
        return List.copyOf(calls);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            while (true) {
                String method = readRequest(client);
                if (method == null) return;
                calls.add(method);
                switch (script.apply(method)) {
                    case Answer.Json j -> {
                        byte[] body = j.body().getBytes(StandardCharsets.UTF_8);
                        String head = "HTTP/1.1 " + j.status() + " X\r\nContent-Type: application/json\r\nContent-Length: "
                                + body.length + "\r\n\r\n";
                        write(client, head.getBytes(StandardCharsets.US_ASCII));
                        write(client, body);
                    }
                    case Answer.Garbage g -> {
                        write(client, g.bytes());
                        return;
                    }
                    case Answer.Hang h -> {
                        closed.await();
                        return;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the launcher gave up on us: that is the point
        }
    }

    /** Reads one request; returns the last path segment, or null at end of stream. */
    private static String readRequest(SocketChannel client) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            one.clear();
            if (client.read(one) < 0) return null;
            head.write(one.array()[0]);
            if (head.size() > 64 * 1024) throw new IOException("request head too large");
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).strip());
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        while (body.hasRemaining()) if (client.read(body) < 0) return null;
        String path = text.substring(0, text.indexOf("\r\n")).split(" ")[1];
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static void write(SocketChannel client, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) client.write(buf);
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        Files.deleteIfExists(socket);
    }
}
