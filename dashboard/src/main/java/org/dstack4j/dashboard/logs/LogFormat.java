package org.dstack4j.dashboard.logs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * How one engine log message is written to the client, as dstack's agent writes it: with {@code bare}, the
 * message alone (UTF-8 text with {@code text}, ANSI escapes removed unless {@code ansi}; else base64); without,
 * one JSON line {@code {"channel":"stdout|stderr|stdin|console","message":...}}.
 */
public final class LogFormat {
    private static final ObjectMapper JSON = new ObjectMapper();
    // CSI sequences, OSC sequences (ended by BEL or ST), then any other two-byte escape
    private static final Pattern ANSI = Pattern.compile(
            "\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(?:\u0007|\u001B\\\\)|\u001B[@-Z\\\\-_]");

    private LogFormat() {}

    /**
     * @param channel {@code stdout}, {@code stderr}, {@code stdin} or {@code console} (a TTY container)
     * @param message the message bytes as the engine sent them
     */
    public static String format(String channel, byte[] message, LogQuery q) {
        String m = q.text() ? new String(message, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(message);
        if (q.bare()) return q.text() && !q.ansi() ? stripAnsi(m) : m;
        ObjectNode o = JSON.createObjectNode();
        o.put("channel", channel);
        o.put("message", m);
        return o.toString() + "\n";
    }

    /** The text without ANSI escape sequences (colours, cursor moves, terminal titles). */
    public static String stripAnsi(String text) {
        return text.indexOf('\u001B') < 0 ? text : ANSI.matcher(text).replaceAll("");
    }
}
