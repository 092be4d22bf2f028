package org.dstack4j.dashboard.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.dstack4j.sdk.file.SharedFile;

/**
 * The launcher's latest report ({@code dstack4j launch} writes it to the shared volume), reduced to the fields
 * the page shows. Only named fields are copied, and only as text: whatever else the file holds (the node's
 * container spec, the masked node config) is never rendered, so a secret that reached the file by mistake
 * still does not reach the page.
 */
public final class LaunchReportView {
    /** Largest report file read, bytes. */
    public static final int MAX_BYTES = 1 << 20;
    /** Longest text value kept, characters. */
    public static final int MAX_VALUE_CHARS = 1024;
    /** Most approved digests kept. */
    public static final int MAX_APPROVED = 64;

    /** The scalar fields copied, in page order: when, the choice and why, the registry's proof, RTMR3, or the failure. */
    public static final List<String> FIELDS = List.of("ok", "started_at", "platform", "selected_digest", "selection_reason",
            "tag", "digest_kind", "manifest_digest", "manifest_media_type", "image_id", "container_name", "container_id",
            "rtmr3_before", "rtmr3_after", "event_digest", "failed_step", "error", "input", "fix");

    private static final ObjectMapper JSON = new ObjectMapper();

    private LaunchReportView() {}

    /**
     * The view of the report at {@code file}: the copied fields, {@code image} ({@code registry/name}),
     * {@code approved_hashes} (array) and {@code total_ms}; or {@code {"unreadable": "..."}} when the file is missing,
     * not a regular file (a symlink or FIFO is not followed or opened), too big or not a JSON object.
     */
    public static ObjectNode read(Path file) {
        ObjectNode out = JSON.createObjectNode();
        out.put("file", file.toString());
        JsonNode report;
        try {
            // the node container can write this volume: a FIFO or symlink here is refused, not opened
            byte[] bytes = SharedFile.read(file, MAX_BYTES);
            if (bytes.length > MAX_BYTES) return out.put("unreadable", "the report is over " + MAX_BYTES + " bytes");
            report = JSON.readTree(bytes);
        } catch (NoSuchFileException e) {
            return out.put("unreadable", "no launch report yet (the launcher writes it after its first launch)");
        } catch (SharedFile.NotRegularFileException e) {
            return out.put("unreadable", "no launch report: " + e.getMessage());
        } catch (IOException e) {
            return out.put("unreadable", "the report cannot be read as JSON");
        }
        if (report == null || !report.isObject()) return out.put("unreadable", "the report is not a JSON object");
        for (String f : FIELDS) {
            JsonNode v = report.get(f);
            if (v != null && v.isValueNode() && !v.isNull()) out.put(f, cut(v.asText()));
        }
        JsonNode image = report.path("image");
        if (image.isObject()) out.put("image", cut(image.path("registry").asText("") + "/" + image.path("name").asText("")));
        JsonNode approved = report.path("approved_hashes");
        if (approved.isArray()) {
            ArrayNode a = out.putArray("approved_hashes");
            for (int i = 0; i < Math.min(approved.size(), MAX_APPROVED); i++) a.add(cut(approved.get(i).asText("")));
        }
        JsonNode total = report.path("durations_ms").path("total");
        if (total.isNumber()) out.put("total_ms", total.asLong());
        return out;
    }

    private static String cut(String s) {
        return s.length() <= MAX_VALUE_CHARS ? s : s.substring(0, MAX_VALUE_CHARS) + "…";
    }
}
