package org.dstack4j.launcher.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns the engine's JSON pull progress stream ({@code POST /images/create}) into readable lines.
 *
 * <p>One line per status change of a layer ({@code "3f4d90098f5b: Pulling fs layer"},
 * {@code "3f4d90098f5b: Pull complete"}); byte progress ({@code Downloading}, {@code Extracting}) as
 * {@code "3f4d90098f5b: Downloading 3.1/12.0 MB"} at most once per layer per {@code minInterval};
 * lines without a layer ({@code "Digest: sha256:…"}, {@code "Status: Downloaded newer image …"})
 * always. Text from the engine is stripped of control characters and cut to
 * {@value #MAX_FIELD_CHARS} characters per field, so a hostile registry error cannot forge log lines.
 *
 * <p>The first message carrying {@code error} or {@code errorDetail.message} is kept as
 * {@link #error()}; the engine ends the stream after it. Not thread-safe: the messages of one pull
 * arrive on one thread.
 */
public final class PullProgress {
    /** Longest text kept from one engine field (status, id, error). */
    static final int MAX_FIELD_CHARS = 300;

    private final Consumer<String> sink;
    private final LongSupplier nanoTime;
    private final long minIntervalNanos;
    private final Map<String, String> lastStatus = new HashMap<>();
    private final Map<String, Long> lastByteLine = new HashMap<>();
    private String error;
    private String finalStatus;

    /**
     * @param sink        receives the lines
     * @param nanoTime    monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     * @param minInterval least time between two byte-progress lines of one layer
     */
    public PullProgress(Consumer<String> sink, LongSupplier nanoTime, Duration minInterval) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.minIntervalNanos = minInterval.toNanos();
    }

    /** Progress with a one-second throttle on the system clock. */
    public static PullProgress to(Consumer<String> sink) {
        return new PullProgress(sink, System::nanoTime, Duration.ofSeconds(1));
    }

    /**
     * Handles one message of the stream: a JSON object with {@code status}, {@code id},
     * {@code progressDetail {current, total}}, {@code error} or {@code errorDetail {message}}, all optional.
     */
    public void accept(JsonNode item) {
        String err = errorOf(item);
        if (err != null) {
            if (error == null) {
                error = err;
                sink.accept("error: " + err);
            }
            return;
        }
        String status = clean(text(item, "status"));
        if (status.isEmpty()) {
            return;
        }
        String id = clean(text(item, "id"));
        if (id.isEmpty() || status.startsWith("Pulling from ") || status.startsWith("Digest: ")
                || status.startsWith("Status: ")) {
            if (status.startsWith("Status: ")) {
                finalStatus = status.substring("Status: ".length());
            }
            sink.accept(status);
            return;
        }
        String bytes = bytesOf(item.get("progressDetail"));
        boolean changed = !status.equals(lastStatus.put(id, status));
        long now = nanoTime.getAsLong();
        if (bytes == null) {
            if (changed) {
                sink.accept(id + ": " + status);
            }
            return;
        }
        Long last = lastByteLine.get(id);
        if (changed || last == null || now - last >= minIntervalNanos) {
            lastByteLine.put(id, now);
            sink.accept(id + ": " + status + " " + bytes);
        }
    }

    /** The engine's error message, if a message of the stream carried one. */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    /** The engine's closing status, e.g. {@code Downloaded newer image for …}, if it sent one. */
    public Optional<String> finalStatus() {
        return Optional.ofNullable(finalStatus);
    }

    /** "error" is deprecated in favour of errorDetail, but older engines send only it. */
    private static String errorOf(JsonNode item) {
        JsonNode detail = item.get("errorDetail");
        boolean hasDetail = detail != null && !detail.isNull();
        String detailMessage = hasDetail ? text(detail, "message") : null;
        String text = detailMessage != null ? detailMessage : text(item, "error");
        if (text == null && !hasDetail) {
            return null;
        }
        String cleaned = clean(text);
        return cleaned.isEmpty() ? "unspecified pull error" : cleaned;
    }

    /** A field's text, or null when absent or JSON null (numbers as their text). */
    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
    }

    /** {@code "3.1/12.0 MB"}, {@code "512.0 kB"}; null when the message has no byte counts. */
    private static String bytesOf(JsonNode detail) {
        JsonNode currentNode = detail == null ? null : detail.get("current");
        if (currentNode == null || !currentNode.canConvertToLong() || currentNode.asLong() < 0) {
            return null;
        }
        long current = currentNode.asLong();
        JsonNode totalNode = detail.get("total");
        long total = totalNode != null && totalNode.canConvertToLong() ? totalNode.asLong() : 0;
        if (total <= 0) {
            Unit unit = Unit.of(current);
            return unit.format(current) + " " + unit.symbol;
        }
        Unit unit = Unit.of(total);
        return unit.format(current) + "/" + unit.format(total) + " " + unit.symbol;
    }

    /** Decimal units, as the docker CLI prints them. */
    private enum Unit {
        B(1, "B"), KB(1_000, "kB"), MB(1_000_000, "MB"), GB(1_000_000_000, "GB");

        final long size;
        final String symbol;

        Unit(long size, String symbol) {
            this.size = size;
            this.symbol = symbol;
        }

        static Unit of(long bytes) {
            return bytes >= GB.size ? GB : bytes >= MB.size ? MB : bytes >= KB.size ? KB : B;
        }

        String format(long bytes) {
            return this == B ? Long.toString(bytes) : String.format(Locale.ROOT, "%.1f", bytes / (double) size);
        }
    }

    /** Drops control characters and caps the length: engine text may come from a registry. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_FIELD_CHARS));
        for (int i = 0; i < text.length() && out.length() < MAX_FIELD_CHARS; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        return out.toString().strip();
    }
}
