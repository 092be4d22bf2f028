package org.dstack4j.agent.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.TerminalText;

/**
 * The dstack guest agent API (docs/guest-api.md), independent of transport: a method name
 * and request fields in, a JSON object out. Methods are looked up in one table (GetQuote,
 * EmitEvent, Info, Version, GetKey, GetTlsKey, Sign, Verify); a new method is one more entry.
 *
 * <p>Input rules: {@code report_data} ≤ 64 bytes; event names 1..{@value #MAX_EVENT_NAME_BYTES}
 * bytes of UTF-8 without control, format or line-separator characters (verifiers refuse them) or
 * {@code ':'} (a colon would make two different
 * name/payload pairs hash to the same digest preimage), and not one of dstack's boot event names;
 * event payloads ≤ {@value #MAX_EVENT_PAYLOAD_BYTES} bytes.
 */
public final class GuestApi {
    /** Longest event name, in UTF-8 bytes. */
    public static final int MAX_EVENT_NAME_BYTES = 256;
    /** Largest event payload, in bytes (the 64 KiB body cap allows about 32 KiB of hex anyway). */
    public static final int MAX_EVENT_PAYLOAD_BYTES = 16 * 1024;
    /** Names dstack itself emits at boot; an app emitting them could fake boot facts. */
    public static final Set<String> RESERVED_EVENT_NAMES = Set.of("system-preparing", "app-id", "compose-hash",
            "instance-id", "boot-mr-done", "key-provider", "storage-fs", "system-ready");

    @FunctionalInterface
    private interface Method {
        ObjectNode call(Params params) throws GuestApiException, TeeException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TeeBackend backend;
    private final AgentVersion version;
    private final Map<String, Method> methods;

    /**
     * @param backend the TEE (simulated or real)
     * @param keys    the app's key material from the key provider (for GetKey, Sign, Verify)
     * @param appCa   the key provider's app CA (for GetTlsKey)
     * @param version what {@code Version} reports
     */
    public GuestApi(TeeBackend backend, AppKeys keys, AppCa appCa, AgentVersion version) {
        this(backend, KeySource.fixed(keys, appCa), version);
    }

    /**
     * An agent whose GetKey, Sign and GetTlsKey keys come from {@code keys} (e.g. a cluster node); when the source
     * has an EVM attestation signer, {@code ClusterAttest} is served too (docs/cluster-apps.md).
     *
     * @param backend the TEE (simulated or real)
     * @param keys    where the app keys and the app CA come from
     * @param version what {@code Version} reports
     */
    public GuestApi(TeeBackend backend, KeySource keys, AgentVersion version) {
        this.backend = backend;
        this.version = version;
        KeyMethods keyMethods = new KeyMethods(keys);
        TlsKeyMethod tlsKey = new TlsKeyMethod(backend, keys);
        Map<String, Method> table = new java.util.HashMap<>(Map.of(
                "GetQuote", this::getQuote,
                "EmitEvent", this::emitEvent,
                "Info", p -> info(),
                "Version", p -> version(),
                "GetKey", keyMethods::getKey,
                "Sign", keyMethods::sign,
                "Verify", keyMethods::verify,
                "GetTlsKey", tlsKey::call));
        keys.chainAttestor().ifPresent(a -> table.put("ClusterAttest", new ClusterAttestMethod(a)::call));
        this.methods = Map.copyOf(table);
    }

    /** Names of the served methods. */
    public Set<String> methodNames() {
        return methods.keySet();
    }

    /**
     * Calls a method.
     *
     * @param method method name, e.g. {@code GetQuote}
     * @param params request fields
     * @return the JSON response object
     * @throws GuestApiException 400 for an unknown method or bad input, 500 if the backend failed
     */
    public ObjectNode call(String method, Params params) throws GuestApiException {
        Method m = methods.get(method);
        if (m == null) {
            throw GuestApiException.badRequest("unknown method " + method + "; served: "
                    + methods.keySet().stream().sorted().toList());
        }
        try {
            return m.call(params);
        } catch (TeeException e) {
            throw switch (e) {
                case TeeException.Rejected r -> GuestApiException.badRequest(r.getMessage());
                case TeeException.Failed f -> GuestApiException.internal(method + " failed: " + f.getMessage());
            };
        }
    }

    private ObjectNode getQuote(Params p) throws GuestApiException, TeeException {
        byte[] reportData = Arrays.copyOf(p.hex("report_data", 64), 64);
        TeeBackend.QuoteEvidence evidence = backend.quote(reportData);
        ObjectNode out = JSON.createObjectNode();
        out.put("quote", Hex.encode(evidence.quote()));
        out.put("event_log", toJson(evidence.eventLog().stream().map(GuestApi::forQuote).toList()));
        out.put("report_data", Hex.encode(reportData));
        out.put("vm_config", backend.platform().vmConfig());
        return out;
    }

    /** As the real agent's GetQuote: RTMR3 digests blanked (recompute them), RTMR0–2 payloads blanked. */
    private static EventLogEntry forQuote(EventLogEntry e) {
        return e.imr() == 3
                ? new EventLogEntry(e.imr(), e.eventType(), "", e.event(), e.eventPayload())
                : new EventLogEntry(e.imr(), e.eventType(), e.digest(), e.event(), "");
    }

    private ObjectNode emitEvent(Params p) throws GuestApiException, TeeException {
        String event = p.requiredString("event");
        validateEventName(event);
        byte[] payload = p.hex("payload", MAX_EVENT_PAYLOAD_BYTES);
        backend.emitEvent(event, payload);
        return JSON.createObjectNode();
    }

    private static void validateEventName(String event) throws GuestApiException {
        if (event.isEmpty()) {
            throw GuestApiException.badRequest("event must not be empty");
        }
        if (event.getBytes(StandardCharsets.UTF_8).length > MAX_EVENT_NAME_BYTES) {
            throw GuestApiException.badRequest("event is longer than " + MAX_EVENT_NAME_BYTES + " bytes of UTF-8");
        }
        // verifiers refuse such names (sdk EventLog): a log holding one could not be verified any more
        if (event.indexOf(':') >= 0 || TerminalText.hasUnprintable(event)) {
            throw GuestApiException.badRequest("event must not contain control, format or line-separator characters or ':'");
        }
        if (RESERVED_EVENT_NAMES.contains(event)) {
            throw GuestApiException.badRequest("event " + event + " is reserved for dstack's boot sequence");
        }
    }

    private ObjectNode info() throws GuestApiException {
        TeeBackend.Measurements m = backend.measurements();
        TeeBackend.PlatformInfo platform = backend.platform();
        List<EventLogEntry> log = m.eventLog();
        String appId = Hex.encode(bootPayload(log, "app-id"));
        String instanceId = Hex.encode(bootPayload(log, "instance-id"));
        String composeHash = Hex.encode(bootPayload(log, "compose-hash"));
        String keyProviderInfo = new String(bootPayload(log, "key-provider"), StandardCharsets.UTF_8);
        String mrAggregated = Hex.encode(mrAggregated(m));

        ObjectNode tcb = JSON.createObjectNode();
        tcb.put("mrtd", Hex.encode(m.mrtd()));
        tcb.put("rtmr0", Hex.encode(m.rtmr0()));
        tcb.put("rtmr1", Hex.encode(m.rtmr1()));
        tcb.put("rtmr2", Hex.encode(m.rtmr2()));
        tcb.put("rtmr3", Hex.encode(m.rtmr3()));
        tcb.put("mr_aggregated", mrAggregated);
        tcb.put("os_image_hash", Hex.encode(platform.osImageHash()));
        tcb.put("compose_hash", composeHash);
        tcb.put("device_id", Hex.encode(platform.deviceId()));
        tcb.set("event_log", JSON.valueToTree(log));
        tcb.put("app_compose", platform.appCompose());

        ObjectNode out = JSON.createObjectNode();
        out.put("app_id", appId);
        out.put("instance_id", instanceId);
        out.put("app_cert", "");
        out.put("tcb_info", toJson(tcb));
        out.put("app_name", appName(platform.appCompose()));
        out.put("device_id", Hex.encode(platform.deviceId()));
        out.put("mr_aggregated", mrAggregated);
        out.put("os_image_hash", Hex.encode(platform.osImageHash()));
        out.put("key_provider_info", keyProviderInfo);
        out.put("compose_hash", composeHash);
        out.put("vm_config", platform.vmConfig());
        out.put("cloud_vendor", platform.cloudVendor());
        out.put("cloud_product", platform.cloudProduct());
        return out;
    }

    private ObjectNode version() {
        ObjectNode out = JSON.createObjectNode();
        out.put("version", version.version());
        out.put("rev", version.rev());
        return out;
    }

    /**
     * dstack's mr_aggregated: SHA-256(mrtd ‖ rtmr0 ‖ rtmr1 ‖ rtmr2 ‖ rtmr3), followed by
     * mr_config_id ‖ mr_owner ‖ mr_owner_config when any of those is non-zero (dstack's ra-tls
     * {@code decode_mr_tdx}); 32 bytes.
     */
    static byte[] mrAggregated(TeeBackend.Measurements m) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] r : List.of(m.mrtd(), m.rtmr0(), m.rtmr1(), m.rtmr2(), m.rtmr3())) {
                sha.update(r);
            }
            byte[] zero = new byte[48];
            if (!Arrays.equals(m.mrConfigId(), zero) || !Arrays.equals(m.mrOwner(), zero)
                    || !Arrays.equals(m.mrOwnerConfig(), zero)) {
                sha.update(m.mrConfigId());
                sha.update(m.mrOwner());
                sha.update(m.mrOwnerConfig());
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** Payload of the first RTMR3 event with this name before {@code system-ready}, as dstack reads app info. */
    private static byte[] bootPayload(List<EventLogEntry> log, String name) {
        for (EventLogEntry e : log) {
            if (e.imr() != 3) continue;
            if (e.event().equals("system-ready")) break;
            if (e.event().equals(name)) return e.payloadBytes();
        }
        return new byte[0];
    }

    private static String appName(String appCompose) {
        try {
            return Optional.ofNullable(JSON.readTree(appCompose).get("name")).map(n -> n.asText()).orElse("");
        } catch (JsonProcessingException e) {
            return "";
        }
    }

    private static String toJson(Object value) throws GuestApiException {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw GuestApiException.internal("serializing the response failed");
        }
    }
}
