package org.dstack4j.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * What the app-compose makes public on the external listener, as in dstack: {@code public_logs} (container log
 * links and {@code /logs/…}), {@code public_sysinfo} (system info and {@code /metrics}), {@code public_tcbinfo}
 * (MRTD, RTMRs and the event log). Absent or not {@code true} = not public.
 */
public record Flags(boolean publicLogs, boolean publicSysinfo, boolean publicTcbinfo) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The flags of an app-compose JSON text; text that is not a JSON object makes nothing public. */
    public static Flags of(String appCompose) {
        try {
            JsonNode c = JSON.readTree(appCompose);
            if (c == null || !c.isObject()) return new Flags(false, false, false);
            return new Flags(on(c, "public_logs"), on(c, "public_sysinfo"), on(c, "public_tcbinfo"));
        } catch (IOException e) {
            return new Flags(false, false, false);
        }
    }

    private static boolean on(JsonNode c, String name) {
        return c.path(name).isBoolean() && c.path(name).booleanValue();
    }
}
