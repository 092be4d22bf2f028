package org.dstack4j.dashboard.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.api.GuestApiException;
import org.dstack4j.agent.api.Params;
import org.dstack4j.agent.api.Surface;
import org.dstack4j.attestation.Check;
import org.dstack4j.dashboard.Flags;
import org.dstack4j.dashboard.logs.DockerApi;
import org.dstack4j.dashboard.system.SystemInfo;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The page's content as one JSON object (served as {@code /status.json}, rendered by {@link Page}):
 * {@code app} (identity), {@code flags}, {@code tcb}, {@code event_log} and {@code app_compose} (with {@code public_tcbinfo}),
 * {@code containers} (log links with {@code public_logs}), {@code system} (with {@code public_sysinfo}),
 * {@code launch} (when a report file is configured) and {@code attestation} (the self-verification verdict).
 * Everything in it is public by the app-compose's choice; no key material, user_config or env is read.
 */
public final class Status {
    /** Longest event payload shown, in hex characters. */
    public static final int MAX_PAYLOAD_HEX = 256;
    /** The query of the log links, as dstack's page builds them. */
    public static final String LOG_LINK_QUERY = "?text&bare&timestamps&follow&tail=20";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GuestApi api;
    private final Flags flags;
    private final Optional<DockerApi> docker;
    private final Optional<Path> launchReport;
    private final SelfAttestation attestation;

    public Status(GuestApi api, Flags flags, Optional<DockerApi> docker, Optional<Path> launchReport, SelfAttestation attestation) {
        this.api = api;
        this.flags = flags;
        this.docker = docker;
        this.launchReport = launchReport;
        this.attestation = attestation;
    }

    /**
     * @param reverify run a new self-verification (rate-limited) instead of showing the last one
     * @throws GuestApiException when the agent cannot say who it is
     */
    public ObjectNode build(boolean reverify) throws GuestApiException {
        ObjectNode info = api.call(Surface.GUEST_V0, "Info", new Params(JSON.createObjectNode()));
        JsonNode tcb;
        try {
            tcb = JSON.readTree(info.path("tcb_info").asText("{}"));
        } catch (IOException e) {
            throw GuestApiException.internal("the agent's tcb_info is not JSON");
        }
        ObjectNode out = JSON.createObjectNode();
        ObjectNode app = out.putObject("app");
        for (String f : new String[] {"app_name", "app_id", "instance_id", "device_id", "compose_hash", "os_image_hash",
                "key_provider_info", "cloud_vendor", "cloud_product", "mr_aggregated"}) {
            app.put(f, info.path(f).asText(""));
        }
        out.putObject("flags").put("public_logs", flags.publicLogs()).put("public_sysinfo", flags.publicSysinfo())
                .put("public_tcbinfo", flags.publicTcbinfo());
        if (flags.publicTcbinfo()) {
            ObjectNode t = out.putObject("tcb");
            for (String f : new String[] {"mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"}) t.put(f, tcb.path(f).asText(""));
            out.put("app_compose", tcb.path("app_compose").asText(""));
            out.set("event_log", eventLog(tcb.path("event_log")));
        }
        out.set("containers", containers());
        if (flags.publicSysinfo()) {
            SystemInfo sys = SystemInfo.read();
            out.set("system", JSON.<ObjectNode>valueToTree(sys).put("memUsed", sys.memUsed()));
        }
        launchReport.ifPresent(p -> out.set("launch", LaunchReportView.read(p)));
        out.set("attestation", verdict(reverify ? attestation.refresh() : attestation.latest()));
        return out;
    }

    /** Each event with its digest; RTMR3 runtime events also with the digest recomputed from name and payload. */
    static ArrayNode eventLog(JsonNode log) {
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode e : log) {
            ObjectNode o = out.addObject();
            int imr = e.path("imr").asInt();
            long type = e.path("event_type").asLong();
            String event = e.path("event").asText("");
            String payload = e.path("event_payload").asText("");
            String digest = e.path("digest").asText("").toLowerCase(Locale.ROOT);
            o.put("imr", imr).put("event_type", type).put("event", event).put("digest", digest);
            o.put("payload", payload.length() <= MAX_PAYLOAD_HEX ? payload : payload.substring(0, MAX_PAYLOAD_HEX) + "…");
            if (imr == 3 && type == RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE) {
                try {
                    String recomputed = Hex.encode(RuntimeEvents.digest(type, event, Hex.decode(payload)));
                    o.put("recomputed", recomputed).put("matches", recomputed.equals(digest));
                } catch (IllegalArgumentException notHex) {
                    o.put("recomputed", "").put("matches", false);
                }
            }
        }
        return out;
    }

    private ArrayNode containers() {
        ArrayNode out = JSON.createArrayNode();
        if (docker.isEmpty()) return out;
        try {
            for (DockerApi.Container c : docker.get().containers()) {
                ObjectNode o = out.addObject().put("name", c.name()).put("image", c.image()).put("state", c.state())
                        .put("status", c.status());
                if (flags.publicLogs()) o.put("logs", "/logs/" + c.name() + LOG_LINK_QUERY);
            }
        } catch (IOException e) {
            out.addObject().put("error", "the container engine cannot be asked: " + e.getMessage());
        }
        return out;
    }

    static ObjectNode verdict(SelfAttestation.Verdict v) {
        ObjectNode o = JSON.createObjectNode().put("at", v.at().toString()).put("valid", v.valid()).put("tcb_status", v.tcbStatus());
        ArrayNode checks = o.putArray("checks");
        for (Check c : v.checks()) checks.addObject().put("name", c.name()).put("ok", c.ok()).put("detail", c.detail());
        return o;
    }
}
