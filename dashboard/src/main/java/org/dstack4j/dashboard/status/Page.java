package org.dstack4j.dashboard.status;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * Renders a {@link Status} object as one HTML page: no script, one inline style sheet, every value escaped
 * ({@link Html}), tables that scroll sideways on a narrow screen. The only links are GETs: the container logs
 * and {@code /?verify} (a new self-verification).
 */
public final class Page {
    private static final String STYLE = """
            body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:12px;color:#1f2d3a;background:#f6f7f9}
            h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:2px solid #dde2e8;padding-bottom:4px;margin-top:1.6em}
            dl{display:grid;grid-template-columns:minmax(8em,14em) 1fr;gap:4px 12px;background:#fff;padding:10px;border-radius:6px}
            dt{font-weight:600}dd{margin:0;font-family:monospace;overflow-wrap:anywhere}
            .scroll{overflow-x:auto}table{border-collapse:collapse;background:#fff;width:100%}
            th,td{border-bottom:1px solid #e3e7ec;padding:4px 8px;text-align:left;vertical-align:top}
            td.h{font-family:monospace;overflow-wrap:anywhere;min-width:12em}
            .ok{color:#18794e;font-weight:600}.bad{color:#c0262d;font-weight:600}
            pre{background:#fff;padding:8px;overflow:auto;max-height:24em;white-space:pre-wrap;overflow-wrap:anywhere}
            @media(max-width:600px){dl{grid-template-columns:1fr}dt{margin-top:6px}}
            """;

    private Page() {}

    /** The whole page for a status object. */
    public static String render(JsonNode s) {
        StringBuilder b = new StringBuilder(16 * 1024);
        JsonNode app = s.path("app");
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(e(app.path("app_name").asText("CVM"))).append(" — dstack4j</title><style>")
                .append(STYLE).append("</style></head><body>\n");
        b.append("<h1>").append(e(app.path("app_name").asText(""))).append("</h1>\n");
        b.append("<p><a href=\"/status.json\">status.json</a></p>\n");
        b.append("<h2>Identity</h2>\n<dl id=\"identity\">");
        row(b, "App name", app.path("app_name").asText(""));
        row(b, "App ID", app.path("app_id").asText(""));
        row(b, "Instance ID", app.path("instance_id").asText(""));
        row(b, "Device ID", app.path("device_id").asText(""));
        row(b, "Compose hash", app.path("compose_hash").asText(""));
        row(b, "OS image hash", app.path("os_image_hash").asText(""));
        row(b, "Key provider", app.path("key_provider_info").asText(""));
        String vendor = app.path("cloud_vendor").asText("") + " " + app.path("cloud_product").asText("");
        if (!vendor.isBlank()) row(b, "Machine provider", vendor.trim());
        b.append("</dl>\n");
        launch(b, s.path("launch"));
        attestation(b, s.path("attestation"));
        containers(b, s.path("containers"), s.path("flags").path("public_logs").asBoolean());
        if (s.has("system")) system(b, s.path("system"));
        b.append("<h2>TCB</h2>\n");
        if (s.has("tcb")) {
            b.append("<dl id=\"tcb\">");
            s.path("tcb").fields().forEachRemaining(f -> row(b, f.getKey().toUpperCase(Locale.ROOT), f.getValue().asText()));
            b.append("</dl>\n");
            eventLog(b, s.path("event_log"));
            b.append("<h3>App compose</h3>\n<pre id=\"app-compose\">").append(e(s.path("app_compose").asText())).append("</pre>\n");
        } else {
            b.append("<p>TCB info is not public (app-compose public_tcbinfo).</p>\n");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void launch(StringBuilder b, JsonNode l) {
        if (l.isMissingNode()) return;
        b.append("<h2>Latest launch</h2>\n<dl id=\"launch\">");
        if (l.has("unreadable")) {
            row(b, "Report", l.path("unreadable").asText());
        } else {
            String[][] rows = {{"ok", "Succeeded"}, {"started_at", "When"}, {"platform", "Platform"},
                    {"selected_digest", "Selected digest"}, {"selection_reason", "Why"}, {"image", "Image"},
                    {"tag", "Registry tag"}, {"digest_kind", "Approved digest kind"}, {"manifest_digest", "Manifest digest (registry proof)"},
                    {"manifest_media_type", "Manifest media type"}, {"image_id", "Image ID pulled"}, {"container_name", "Container"},
                    {"container_id", "Container ID"}, {"rtmr3_before", "RTMR3 before"}, {"rtmr3_after", "RTMR3 after"},
                    {"event_digest", "Event digest"}, {"failed_step", "Failed step"}, {"error", "Error"}, {"input", "Input"},
                    {"fix", "Fix"}, {"total_ms", "Duration (ms)"}};
            for (String[] r : rows) if (l.has(r[0])) row(b, r[1], l.path(r[0]).asText());
            if (l.has("approved_hashes")) {
                StringBuilder list = new StringBuilder();
                for (JsonNode d : l.path("approved_hashes")) list.append(list.isEmpty() ? "" : "\n").append(d.asText());
                b.append("<dt>Approved list (newest first)</dt><dd id=\"approved\">")
                        .append(e(list.toString()).replace("\n", "<br>")).append("</dd>");
            }
            row(b, "Report file", l.path("file").asText());
        }
        b.append("</dl>\n");
    }

    private static void attestation(StringBuilder b, JsonNode a) {
        boolean valid = a.path("valid").asBoolean();
        b.append("<h2>Attestation of this CVM's current quote</h2>\n<p id=\"verdict\" class=\"")
                .append(valid ? "ok\">VALID" : "bad\">INVALID").append("</p><p>TCB status ")
                .append(e(a.path("tcb_status").asText())).append(", quoted at ").append(e(a.path("at").asText()))
                .append(" · <a href=\"/?verify\">verify again</a></p>\n<div class=\"scroll\"><table id=\"checks\">")
                .append("<tr><th>Check</th><th>Result</th><th>Detail</th></tr>");
        for (JsonNode c : a.path("checks")) {
            boolean ok = c.path("ok").asBoolean();
            b.append("<tr><td>").append(e(c.path("name").asText())).append("</td><td class=\"").append(ok ? "ok\">pass" : "bad\">FAIL")
                    .append("</td><td>").append(e(c.path("detail").asText())).append("</td></tr>");
        }
        b.append("</table></div>\n");
    }

    private static void containers(StringBuilder b, JsonNode cs, boolean logs) {
        b.append("<h2>Containers</h2>\n<div class=\"scroll\"><table id=\"containers\"><tr><th>Name</th><th>Image</th><th>Status</th>")
                .append(logs ? "<th>Logs</th>" : "").append("</tr>");
        for (JsonNode c : cs) {
            if (c.has("error")) {
                b.append("<tr><td colspan=\"4\">").append(e(c.path("error").asText())).append("</td></tr>");
                continue;
            }
            b.append("<tr><td>").append(e(c.path("name").asText())).append("</td><td class=\"h\">").append(e(c.path("image").asText()))
                    .append("</td><td>").append(e(c.path("status").asText())).append("</td>");
            if (c.has("logs")) {
                b.append("<td><a href=\"").append(e(c.path("logs").asText())).append("\">logs</a></td>");
            } else if (logs) {
                b.append("<td></td>");
            }
            b.append("</tr>");
        }
        b.append("</table></div>\n");
    }

    private static void system(StringBuilder b, JsonNode s) {
        b.append("<h2>System</h2>\n<dl id=\"system\">");
        row(b, "Operating system", s.path("osName").asText() + " " + s.path("osVersion").asText());
        row(b, "Kernel", s.path("kernelVersion").asText());
        row(b, "CPU", s.path("cpuModel").asText() + " (" + s.path("cpus").asInt() + " CPUs)");
        row(b, "Memory", size(s.path("memUsed").asLong()) + " used of " + size(s.path("memTotal").asLong())
                + " (" + size(s.path("memAvailable").asLong()) + " available)");
        row(b, "Load average", s.path("load1").asDouble() + " / " + s.path("load5").asDouble() + " / " + s.path("load15").asDouble());
        long up = s.path("uptimeSeconds").asLong();
        row(b, "Uptime", (up / 86_400) + "d " + (up % 86_400 / 3600) + "h " + (up % 3600 / 60) + "m");
        for (JsonNode d : s.path("disks")) {
            row(b, "Disk " + d.path("name").asText() + " on " + d.path("mountPoint").asText(),
                    size(d.path("freeBytes").asLong()) + " free of " + size(d.path("totalBytes").asLong()));
        }
        b.append("</dl>\n");
    }

    private static void eventLog(StringBuilder b, JsonNode log) {
        b.append("<h3>Event log</h3>\n<div class=\"scroll\"><table id=\"events\"><tr><th>IMR</th><th>Event</th><th>Digest</th>")
                .append("<th>Recomputed</th><th>Payload</th></tr>");
        for (JsonNode ev : log) {
            b.append("<tr><td>").append(ev.path("imr").asInt()).append("</td><td>")
                    .append(e(ev.path("event").asText().isEmpty() ? "0x" + Long.toHexString(ev.path("event_type").asLong()) : ev.path("event").asText()))
                    .append("</td><td class=\"h\">").append(e(ev.path("digest").asText())).append("</td><td>");
            if (ev.has("matches")) {
                b.append(ev.path("matches").asBoolean() ? "<span class=\"ok\">matches</span>" : "<span class=\"bad\">DIFFERS: "
                        + e(ev.path("recomputed").asText()) + "</span>");
            }
            b.append("</td><td class=\"h\">").append(e(ev.path("payload").asText())).append("</td></tr>");
        }
        b.append("</table></div>\n");
    }

    private static void row(StringBuilder b, String label, String value) {
        b.append("<dt>").append(e(label)).append("</dt><dd>").append(e(value)).append("</dd>");
    }

    static String size(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String e(String s) {
        return Html.escape(s);
    }
}
