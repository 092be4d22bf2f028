package org.dstack4j.agent.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
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
import org.dstack4j.sdk.attestation.VersionedAttestation;

/**
 * The dstack guest agent APIs (docs/guest-api.md), independent of transport: a {@link Surface}, a
 * method name and request fields in, a JSON object out. Each surface is one table of methods (v0:
 * GetQuote, EmitEvent, Info, Version, GetKey, GetTlsKey, Sign, Verify, Attest; v1: GetKey, IssueCert,
 * Attest, Info, Version; Tappd; Worker v0 and v1); a new method is one more entry.
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
    private final boolean publicTcbInfo;
    private final boolean keysInMemory;
    private final Map<Surface, Map<String, Method>> surfaces;

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
        this.keysInMemory = keys.inMemory();
        this.version = version;
        this.publicTcbInfo = publicTcbInfo(backend.platform().appCompose());
        KeyMethods keyMethods = new KeyMethods(keys);
        TlsKeyMethod tlsKey = new TlsKeyMethod(backend, keys);
        AttestMethod attest = new AttestMethod(backend);
        V1Methods v1 = new V1Methods(this, keys, tlsKey);
        TappdMethods tappd = new TappdMethods(this, keys, keyMethods, tlsKey);
        WorkerMethods worker = new WorkerMethods(this, keyMethods);
        Method versionMethod = p -> version();
        Map<String, Method> guestV0 = new java.util.HashMap<>(Map.of(
                "GetQuote", this::getQuote,
                "EmitEvent", this::emitEvent,
                "Info", p -> info(false),
                "Version", versionMethod,
                "GetKey", keyMethods::getKey,
                "Sign", keyMethods::sign,
                "Verify", keyMethods::verify,
                "GetTlsKey", tlsKey::call,
                "Attest", p -> attest.call(p, VersionedAttestation.Form.V0_SCALE, false)));
        keys.chainAttestor().ifPresent(a -> guestV0.put("ClusterAttest", new ClusterAttestMethod(a)::call));
        this.surfaces = new EnumMap<>(Map.of(
                Surface.GUEST_V0, Map.copyOf(guestV0),
                Surface.GUEST_V1, Map.of(
                        "GetKey", v1::getKey,
                        "IssueCert", v1::issueCert,
                        "Attest", p -> attest.call(p, VersionedAttestation.Form.V1_MSGPACK, true),
                        "Info", p -> v1.info(false),
                        "Version", versionMethod),
                Surface.TAPPD, Map.of(
                        "DeriveKey", tappd::deriveKey,
                        "DeriveK256Key", tappd::deriveK256Key,
                        "TdxQuote", tappd::tdxQuote,
                        "RawQuote", tappd::rawQuote,
                        "Info", p -> info(false),
                        "Version", versionMethod),
                Surface.WORKER_V0, Map.of(
                        "Info", p -> info(true),
                        "Version", versionMethod,
                        "GetAttestationForAppKey", worker::attestationForAppKey),
                Surface.WORKER_V1, Map.of(
                        "Info", p -> v1.info(true),
                        "Version", versionMethod,
                        "Health", p -> worker.health())));
    }

    /**
     * Whether the key methods answer from memory (the local key provider); false in cluster mode, where they may
     * wait for the cluster node, so a server must not run them on its I/O threads.
     */
    public boolean keysInMemory() {
        return keysInMemory;
    }

    /** Names of the methods of the v0 guest API. */
    public Set<String> methodNames() {
        return methodNames(Surface.GUEST_V0);
    }

    /** Names of the methods a surface serves. */
    public Set<String> methodNames(Surface surface) {
        return surfaces.get(surface).keySet();
    }

    /**
     * Calls a method of the v0 guest API.
     *
     * @param method method name, e.g. {@code GetQuote}
     * @param params request fields
     * @return the JSON response object
     * @throws GuestApiException 404 for an unknown method, 400 for bad input, 500 if the backend failed
     */
    public ObjectNode call(String method, Params params) throws GuestApiException {
        return call(Surface.GUEST_V0, method, params);
    }

    /**
     * Calls a method of a surface.
     *
     * @param surface which API
     * @param method  method name, e.g. {@code GetKey}
     * @param params  request fields
     * @return the JSON response object
     * @throws GuestApiException 404 {@code Service not found: <Method>} for a method the surface lacks,
     *                           400 for bad input, 500 if the backend failed
     */
    public ObjectNode call(Surface surface, String method, Params params) throws GuestApiException {
        Method m = surfaces.get(surface).get(method);
        if (m == null) {
            throw GuestApiException.serviceNotFound(method);
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

    /** The backend behind this API. */
    TeeBackend backend() {
        return backend;
    }

    /** Whether the app-compose sets {@code public_tcbinfo} (external Info shows TCB details only then). */
    boolean publicTcbInfo() {
        return publicTcbInfo;
    }

    private static boolean publicTcbInfo(String appCompose) {
        try {
            return JSON.readTree(appCompose).path("public_tcbinfo").asBoolean(false);
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private ObjectNode getQuote(Params p) throws GuestApiException, TeeException {
        return quoteResponse(Arrays.copyOf(p.hex("report_data", 64), 64));
    }

    /** GetQuote's answer for 64 bytes of report data: quote, shortened event log, report data, VM config. */
    ObjectNode quoteResponse(byte[] reportData) throws GuestApiException, TeeException {
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

    /**
     * v0 Info. {@code external} (the Worker listener) blanks {@code tcb_info} and {@code vm_config}
     * unless the app-compose sets {@code public_tcbinfo}, as dstack does.
     */
    private ObjectNode info(boolean external) throws GuestApiException {
        boolean hide = external && !publicTcbInfo;
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
        out.put("tcb_info", hide ? "" : toJson(tcb));
        out.put("app_name", appName(platform.appCompose()));
        out.put("device_id", Hex.encode(platform.deviceId()));
        out.put("mr_aggregated", mrAggregated);
        out.put("os_image_hash", Hex.encode(platform.osImageHash()));
        out.put("key_provider_info", keyProviderInfo);
        out.put("compose_hash", composeHash);
        out.put("vm_config", hide ? "" : platform.vmConfig());
        out.put("cloud_vendor", platform.cloudVendor());
        out.put("cloud_product", platform.cloudProduct());
        return out;
    }

    ObjectNode version() {
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
    static byte[] bootPayload(List<EventLogEntry> log, String name) {
        for (EventLogEntry e : log) {
            if (e.imr() != 3) continue;
            if (e.event().equals("system-ready")) break;
            if (e.event().equals(name)) return e.payloadBytes();
        }
        return new byte[0];
    }

    static String appName(String appCompose) {
        try {
            return Optional.ofNullable(JSON.readTree(appCompose).get("name")).map(n -> n.asText()).orElse("");
        } catch (JsonProcessingException e) {
            return "";
        }
    }

    static String toJson(Object value) throws GuestApiException {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw GuestApiException.internal("serializing the response failed");
        }
    }
}
