package org.dstack4j.dashboard.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dstack4j.sdk.http.JettyClients;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Transport;

/**
 * The read-only part of the Docker Engine API the dashboard needs, on the engine's unix socket: the container
 * list, whether a container exists (and has a TTY), and a container's log stream. Nothing here can change the
 * engine's state (only {@code GET}).
 *
 * <p>Bounds: each buffered answer within {@link #callTimeout} and at most {@value #MAX_BODY_BYTES} bytes; a log
 * stream ends after {@link #silence} without a message; one log message is at most {@value #MAX_FRAME_BYTES}
 * bytes.
 */
public final class DockerApi implements AutoCloseable {
    /** Largest buffered answer (container list, inspect), bytes. */
    public static final int MAX_BODY_BYTES = 4 << 20;
    /** Largest single log message (one multiplexed frame), bytes. */
    public static final int MAX_FRAME_BYTES = 1 << 20;

    /** One container as the list shows it. */
    public record Container(String name, String image, String state, String status) {}

    /** A container's log stream ended or failed part-way (after the response started). */
    public static final class StreamFailed extends IOException {
        StreamFailed(String message) {
            super(message);
        }
    }

    /** Receives each log message. */
    @FunctionalInterface
    public interface Messages {
        /**
         * @param channel {@code stdout}, {@code stderr}, {@code stdin} or {@code console}
         * @throws IOException when the client is gone; the stream is then closed
         */
        void accept(String channel, byte[] message) throws IOException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final Duration callTimeout;
    private final Duration silence;
    private final HttpClient http;

    /**
     * @param socket      the engine's unix socket, e.g. {@code /var/run/docker.sock}
     * @param callTimeout deadline of a buffered call
     * @param silence     a followed log stream ends after this long without a message
     */
    public DockerApi(Path socket, Duration callTimeout, Duration silence) {
        this.socket = socket;
        this.callTimeout = callTimeout;
        this.silence = silence;
        // no idle timeout: a followed stream bounds its own silence
        HttpClient c = JettyClients.start("dstack4j-dashboard-engine", 8, callTimeout, null, 16 * 1024);
        c.setMaxConnectionsPerDestination(32);
        this.http = c;
    }

    /**
     * All containers (running or not), in the engine's order.
     *
     * @throws IOException when the engine is unreachable or answers other than 200
     */
    public List<Container> containers() throws IOException {
        JsonNode list = getJson("/containers/json?all=1").orElseThrow(() -> new IOException("the engine has no container list"));
        List<Container> out = new ArrayList<>();
        for (JsonNode c : list) {
            String name = c.path("Names").path(0).asText("");
            out.add(new Container(name.startsWith("/") ? name.substring(1) : name, c.path("Image").asText(""),
                    c.path("State").asText(""), c.path("Status").asText("")));
        }
        return out;
    }

    /**
     * Whether the engine has the container, and if so whether it runs with a TTY (its logs are then raw, not
     * multiplexed).
     *
     * @param name a name already validated by {@link LogQuery#containerName}
     * @return empty when the engine has no such container
     */
    public Optional<Boolean> tty(String name) throws IOException {
        return getJson("/containers/" + enc(name) + "/json").map(c -> c.path("Config").path("Tty").asBoolean(false));
    }

    /**
     * Streams the container's logs to {@code messages} until the engine ends the stream, {@link #silence}
     * passes without a message, or {@code messages} throws.
     *
     * @param tty whether the container has a TTY ({@link #tty})
     * @throws StreamFailed when the engine refuses or the stream breaks
     * @throws IOException  from {@code messages} (the client went away)
     */
    public void logs(LogQuery q, boolean tty, Messages messages) throws IOException {
        InputStreamResponseListener listener = new InputStreamResponseListener();
        Request req = http.newRequest("http://docker/containers/" + enc(q.container()) + "/logs?" + q.engineQuery())
                .transport(new Transport.TCPUnix(socket))
                .idleTimeout(silence.toMillis(), TimeUnit.MILLISECONDS);
        req.send(listener);
        Response response;
        try {
            response = listener.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            req.abort(e);
            throw new StreamFailed("interrupted");
        } catch (TimeoutException | ExecutionException e) {
            req.abort(e);
            throw new StreamFailed("the engine did not answer: " + rootMessage(e));
        }
        try (InputStream in = listener.getInputStream()) {
            if (response.getStatus() != 200) {
                throw new StreamFailed("the engine answered " + response.getStatus() + " for the logs");
            }
            if (tty) {
                raw(in, messages);
            } else {
                multiplexed(in, messages);
            }
        }
    }

    /**
     * TTY containers: the stream is the terminal's bytes, passed on as they come, except that a read ending inside a
     * UTF-8 character or an ANSI escape sequence keeps that tail for the next one (decoded or stripped apart, it would
     * become U+FFFD or a half-stripped escape).
     */
    private static void raw(InputStream in, Messages messages) throws IOException {
        byte[] buf = new byte[16 * 1024];
        int held = 0;
        for (int n; (n = readSome(in, buf, held)) > 0; ) {
            int end = held + n;
            int cut = completeLength(buf, end);
            if (cut > 0) messages.accept("console", java.util.Arrays.copyOf(buf, cut));
            held = end - cut;
            System.arraycopy(buf, cut, buf, 0, held);
        }
        if (held > 0) messages.accept("console", java.util.Arrays.copyOf(buf, held));
    }

    /** Longest tail kept back for the next read; a longer unfinished escape is passed on as it is. */
    static final int MAX_HELD = 64;

    /** How many of {@code buf[0..end)} end on a character and escape boundary (at least {@code end - MAX_HELD}). */
    static int completeLength(byte[] buf, int end) {
        int cut = end;
        // a UTF-8 lead byte whose continuation bytes have not all arrived
        for (int i = end - 1; i >= Math.max(0, end - 3); i--) {
            int b = buf[i] & 0xff;
            if ((b & 0xC0) == 0x80) continue;
            int len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            if (i + len > end) cut = i;
            break;
        }
        // an escape sequence without its final byte: CSI (ESC [ ... 0x40-0x7E), OSC (ESC ] ... BEL or ESC \), or a lone ESC
        for (int i = cut - 1; i >= Math.max(0, cut - MAX_HELD); i--) {
            if (buf[i] != 0x1B) continue;
            if (!escapeComplete(buf, i, cut)) cut = i;
            break;
        }
        return Math.max(cut, end - MAX_HELD);
    }

    private static boolean escapeComplete(byte[] buf, int esc, int end) {
        if (esc + 1 >= end) return false;
        byte kind = buf[esc + 1];
        if (kind == '[') {
            for (int j = esc + 2; j < end; j++) if (buf[j] >= 0x40 && buf[j] <= 0x7E) return true;
            return false;
        }
        if (kind == ']') {
            for (int j = esc + 2; j < end; j++) if (buf[j] == 0x07 || (buf[j] == '\\' && buf[j - 1] == 0x1B)) return true;
            return false;
        }
        return true; // a two-byte escape
    }

    /** Frames of an 8-byte header (stream type, 3 zero bytes, big-endian size) and the message. */
    private static void multiplexed(InputStream in, Messages messages) throws IOException {
        byte[] head = new byte[8];
        while (readFully(in, head, "a frame header")) {
            long size = ((head[4] & 0xffL) << 24) | ((head[5] & 0xff) << 16) | ((head[6] & 0xff) << 8) | (head[7] & 0xff);
            if (size > MAX_FRAME_BYTES) throw new StreamFailed("one log message is longer than " + MAX_FRAME_BYTES + " bytes");
            byte[] body = new byte[(int) size];
            if (!readFully(in, body, "a message")) throw new StreamFailed("the engine's log stream ended inside a message");
            String channel = switch (head[0]) {
                case 0 -> "stdin";
                case 1 -> "stdout";
                case 2 -> "stderr";
                // moby's stdcopy "systemerr": the daemon's own error (e.g. the log driver failed); its words, capped
                case 3 -> throw new StreamFailed("the engine reported an error: "
                        + org.dstack4j.sdk.TerminalText.escape(new String(body, java.nio.charset.StandardCharsets.UTF_8), 300));
                default -> throw new StreamFailed("the engine's log stream has an unknown stream type " + head[0]);
            };
            messages.accept(channel, body);
        }
    }

    /** Fills {@code buf}; false at a clean end of stream before the first byte. */
    private static boolean readFully(InputStream in, byte[] buf, String what) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int n = readSome(in, buf, off);
            if (n < 0) {
                if (off == 0) return false;
                throw new StreamFailed("the engine's log stream ended inside " + what);
            }
            off += n;
        }
        return true;
    }

    private static int readSome(InputStream in, byte[] buf, int off) throws StreamFailed {
        try {
            return in.read(buf, off, buf.length - off);
        } catch (IOException e) {
            // the idle timeout (silence) or a broken engine connection: the stream ends here
            throw new StreamFailed("the engine's log stream broke: " + rootMessage(e));
        }
    }

    private Optional<JsonNode> getJson(String target) throws IOException {
        InputStreamResponseListener listener = new InputStreamResponseListener();
        Request req = http.newRequest("http://docker" + target).transport(new Transport.TCPUnix(socket))
                .timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        req.send(listener);
        try {
            Response response = listener.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
            try (InputStream in = listener.getInputStream()) {
                if (response.getStatus() == 404) return Optional.empty();
                byte[] body = readCapped(in);
                if (response.getStatus() != 200) throw new IOException("the engine answered " + response.getStatus() + " for GET " + target);
                return Optional.of(JSON.readTree(body));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            req.abort(e);
            throw new IOException("interrupted");
        } catch (TimeoutException | ExecutionException e) {
            req.abort(e);
            throw new IOException("the engine at " + socket + " did not answer: " + rootMessage(e));
        }
    }

    private static byte[] readCapped(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (out.size() + n > MAX_BODY_BYTES) throw new IOException("the engine's answer is over " + MAX_BODY_BYTES + " bytes");
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static String enc(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // best effort
        }
    }
}
