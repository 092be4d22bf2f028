package org.dstack4j.attestation.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogFormatException;
import org.dstack4j.sdk.TcbInfo;
import org.dstack4j.sdk.TerminalText;

/**
 * The attestation evidence of an MPC node: what its {@code GET /public_data} serves (docs/attestation.md
 * "Evidence"), or the same pieces given separately (a quote, an event log, optionally the app-compose
 * and collateral). Nothing here is trusted: {@code org.dstack4j.attestation.policy.MpcAppVerifier}
 * checks it against the quote.
 *
 * {@snippet :
 * MpcPublicData evidence = MpcPublicData.read(Path.of("public_data.json"));
 * TdxQuote quote = TdxQuote.parse(evidence.quote());
 * JsonNode collateral = evidence.collateral().orElseThrow();   // raw, for DCAP verification
 * }
 *
 * @param keys                {@code near_signer_public_key} and {@code near_p2p_public_key}; empty when the
 *                            evidence came in parts
 * @param responderPublicKeys {@code near_responder_public_keys}, in order (empty when given in parts)
 * @param quote               the raw TDX quote bytes (copied in and out)
 * @param collateral          the Intel DCAP collateral exactly as given (JSON object; byte fields may be
 *                            arrays of numbers or hex strings), deep-copied in and out
 * @param tcbInfo             {@code tee_participant_info.Dstack.tcb_info}, hex values lower-cased; empty
 *                            when given in parts ({@code mr_aggregated} is {@code ""} when absent)
 * @param eventLog            the event log: {@code tcbInfo.event_log}, or the log given in parts
 * @param appCompose          the raw app-compose.json text, exactly as served ({@code tcb_info.app_compose})
 */
public record MpcPublicData(Optional<NodeKeys> keys, List<NearPublicKey> responderPublicKeys, byte[] quote,
        Optional<JsonNode> collateral, Optional<TcbInfo> tcbInfo, EventLog eventLog, Optional<String> appCompose) {

    /** Largest {@code /public_data} document accepted (real ones are about 64 KiB). */
    public static final int MAX_JSON_BYTES = 4 * 1024 * 1024;
    /** Largest quote accepted (real ones are about 5 KiB). */
    public static final int MAX_QUOTE_BYTES = 64 * 1024;
    /** Most responder keys accepted (real nodes publish 1–50). */
    public static final int MAX_RESPONDER_KEYS = 1024;

    private static final String DSTACK = "tee_participant_info.Dstack";
    private static final String TCB = DSTACK + ".tcb_info";

    public MpcPublicData {
        Objects.requireNonNull(keys, "keys");
        responderPublicKeys = List.copyOf(responderPublicKeys);
        quote = quote.clone();
        collateral = collateral.map(JsonNode::deepCopy);
        Objects.requireNonNull(tcbInfo, "tcbInfo");
        Objects.requireNonNull(eventLog, "eventLog");
        Objects.requireNonNull(appCompose, "appCompose");
    }

    /**
     * Reads and parses a {@code public_data.json} file of at most {@link #MAX_JSON_BYTES}.
     *
     * @throws IOException             if the file cannot be read
     * @throws EvidenceFormatException if it is too large or not valid evidence (see {@link #parse(byte[])})
     */
    public static MpcPublicData read(Path file) throws IOException, EvidenceFormatException {
        return parse(readCapped(file, MAX_JSON_BYTES));
    }

    /**
     * Parses the JSON of {@code GET /public_data}. Required: {@code near_signer_public_key},
     * {@code near_p2p_public_key} ({@code ed25519:<base58>}), {@code near_responder_public_keys} (array
     * of such keys), {@code tee_participant_info.Dstack} with {@code quote} (array of integers 0..255),
     * {@code collateral} (object, kept raw) and {@code tcb_info} with {@code mrtd}, {@code rtmr0}…{@code rtmr3}
     * (96 hex), {@code os_image_hash} (64 hex or empty), {@code compose_hash} (64 hex), {@code device_id}
     * (hex or empty), {@code app_compose} (string) and {@code event_log} (array of entries). Unknown
     * fields are ignored; duplicate keys are rejected.
     *
     * @param json the document, at most {@link #MAX_JSON_BYTES}
     * @throws EvidenceFormatException naming the field path of the first problem
     */
    public static MpcPublicData parse(byte[] json) throws EvidenceFormatException {
        try {
            return parseChecked(json);
        } catch (RuntimeException bug) {
            // belt and braces: every field is checked, but a parser must never leak an unchecked exception
            throw new EvidenceFormatException("$", "unparseable public_data: " + bug.getClass().getSimpleName(), bug);
        }
    }

    private static MpcPublicData parseChecked(byte[] json) throws EvidenceFormatException {
        if (json.length > MAX_JSON_BYTES) {
            throw new EvidenceFormatException("$", "public_data is " + json.length + " bytes, at most " + MAX_JSON_BYTES);
        }
        JsonNode root = EvidenceJson.read(json, "public_data");
        if (!root.isObject()) {
            throw new EvidenceFormatException("$", "public_data must be a JSON object, got " + EvidenceJson.kind(root));
        }
        NodeKeys keys = new NodeKeys(
                NearPublicKey.parse(EvidenceJson.text(root, "", "near_signer_public_key"), "near_signer_public_key"),
                NearPublicKey.parse(EvidenceJson.text(root, "", "near_p2p_public_key"), "near_p2p_public_key"));
        List<NearPublicKey> responders = responders(EvidenceJson.required(root, "", "near_responder_public_keys"));

        JsonNode tee = EvidenceJson.object(root, "", "tee_participant_info");
        if (!tee.has("Dstack")) {
            throw new EvidenceFormatException(DSTACK, "is required but missing (is this a non-TEE \"Local\" attestation? fields: "
                    + fieldList(tee) + ")");
        }
        JsonNode dstack = EvidenceJson.object(tee, "tee_participant_info", "Dstack");
        byte[] quote = quoteBytes(EvidenceJson.required(dstack, DSTACK, "quote"), DSTACK + ".quote");
        JsonNode collateral = EvidenceJson.object(dstack, DSTACK, "collateral");
        JsonNode tcb = EvidenceJson.object(dstack, DSTACK, "tcb_info");

        String mrtd = EvidenceJson.hex(tcb, TCB, "mrtd", 48, false);
        String[] rtmr = new String[4];
        for (int i = 0; i < 4; i++) rtmr[i] = EvidenceJson.hex(tcb, TCB, "rtmr" + i, 48, false);
        String osImageHash = EvidenceJson.hex(tcb, TCB, "os_image_hash", 32, true);
        String composeHash = EvidenceJson.hex(tcb, TCB, "compose_hash", 32, false);
        String deviceId = EvidenceJson.hex(tcb, TCB, "device_id", -1, true);
        String mrAggregated = tcb.hasNonNull("mr_aggregated") ? EvidenceJson.hex(tcb, TCB, "mr_aggregated", -1, true) : "";
        String appCompose = EvidenceJson.text(tcb, TCB, "app_compose");
        EventLog log = eventLog(EvidenceJson.required(tcb, TCB, "event_log"), TCB + ".event_log");

        TcbInfo tcbInfo = new TcbInfo(mrtd, rtmr[0], rtmr[1], rtmr[2], rtmr[3], mrAggregated, osImageHash, composeHash,
                deviceId, appCompose, log.entries());
        return new MpcPublicData(Optional.of(keys), responders, quote, Optional.of(collateral), Optional.of(tcbInfo), log,
                Optional.of(appCompose));
    }

    /**
     * Evidence given in parts, for verifying a quote without a {@code /public_data} document. No node keys
     * and no {@code tcb_info} come with it, so the verifier takes the keys from its policy and skips the
     * {@code tcb_info} consistency comparisons.
     *
     * @param quote        the raw TDX quote, at most {@link #MAX_QUOTE_BYTES}
     * @param eventLogJson the event log as JSON: an array of entries ({@code Info.tcb_info.event_log}), a
     *                     JSON string holding such an array ({@code GetQuote.event_log}), or an object with an
     *                     {@code event_log} field of either form (a {@code GetQuote} response or a
     *                     {@code tcb_info}). RTMR3 digests may be blank ({@code GetQuote} blanks them): the
     *                     verifier recomputes them.
     * @param appCompose   the raw app-compose.json text, if known (without it the app-compose checks fail)
     * @param collateral   the DCAP collateral JSON object, if given
     * @throws EvidenceFormatException naming {@code quote}, {@code event_log} or {@code collateral}
     */
    public static MpcPublicData fromParts(byte[] quote, byte[] eventLogJson, Optional<String> appCompose,
            Optional<JsonNode> collateral) throws EvidenceFormatException {
        if (quote.length == 0 || quote.length > MAX_QUOTE_BYTES) {
            throw new EvidenceFormatException("quote", "must be 1.." + MAX_QUOTE_BYTES + " bytes, got " + quote.length);
        }
        if (eventLogJson.length > MAX_JSON_BYTES) {
            throw new EvidenceFormatException("event_log", "is " + eventLogJson.length + " bytes, at most " + MAX_JSON_BYTES);
        }
        if (collateral.isPresent() && !collateral.get().isObject()) {
            throw new EvidenceFormatException("collateral", "must be a JSON object, got " + EvidenceJson.kind(collateral.get()));
        }
        JsonNode node = EvidenceJson.read(eventLogJson, "event log");
        String path = "event_log";
        if (node.isObject()) {
            node = EvidenceJson.required(node, "", "event_log");
        }
        if (node.isTextual()) {
            node = EvidenceJson.read(node.textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8), "event_log string");
        }
        return new MpcPublicData(Optional.empty(), List.of(), quote, collateral, Optional.empty(), eventLog(node, path),
                appCompose);
    }

    /** A copy of the quote bytes. */
    @Override
    public byte[] quote() {
        return quote.clone();
    }

    /** A deep copy of the collateral. */
    @Override
    public Optional<JsonNode> collateral() {
        return collateral.map(JsonNode::deepCopy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MpcPublicData d && keys.equals(d.keys) && responderPublicKeys.equals(d.responderPublicKeys)
                && Arrays.equals(quote, d.quote) && collateral.equals(d.collateral) && tcbInfo.equals(d.tcbInfo)
                && eventLog.equals(d.eventLog) && appCompose.equals(d.appCompose);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keys, responderPublicKeys, Arrays.hashCode(quote), tcbInfo, eventLog, appCompose);
    }

    @Override
    public String toString() {
        return "MpcPublicData[keys=" + keys + ", responderPublicKeys=" + responderPublicKeys.size() + ", quote="
                + quote.length + " bytes, collateral=" + (collateral.isPresent() ? "present" : "absent") + ", tcbInfo="
                + (tcbInfo.isPresent() ? "present" : "absent") + ", eventLog=" + eventLog.entries().size()
                + " entries, appCompose=" + appCompose.map(s -> s.length() + " chars").orElse("absent") + "]";
    }

    private static List<NearPublicKey> responders(JsonNode arr) throws EvidenceFormatException {
        String path = "near_responder_public_keys";
        if (!arr.isArray()) {
            throw new EvidenceFormatException(path, "must be an array of \"ed25519:<base58>\" keys, got " + EvidenceJson.kind(arr));
        }
        if (arr.size() > MAX_RESPONDER_KEYS) {
            throw new EvidenceFormatException(path, "has " + arr.size() + " keys, at most " + MAX_RESPONDER_KEYS);
        }
        List<NearPublicKey> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            JsonNode k = arr.get(i);
            String at = path + "[" + i + "]";
            if (!k.isTextual()) throw new EvidenceFormatException(at, "must be a string, got " + EvidenceJson.kind(k));
            out.add(NearPublicKey.parse(k.textValue(), at));
        }
        return out;
    }

    private static byte[] quoteBytes(JsonNode arr, String path) throws EvidenceFormatException {
        if (!arr.isArray()) {
            throw new EvidenceFormatException(path, "must be an array of integers 0..255, got " + EvidenceJson.kind(arr));
        }
        if (arr.isEmpty() || arr.size() > MAX_QUOTE_BYTES) {
            throw new EvidenceFormatException(path, "must hold 1.." + MAX_QUOTE_BYTES + " bytes, got " + arr.size());
        }
        byte[] out = new byte[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode b = arr.get(i);
            if (!b.isIntegralNumber() || !b.canConvertToInt() || b.intValue() < 0 || b.intValue() > 255) {
                throw new EvidenceFormatException(path + "[" + i + "]", "must be an integer 0..255, got "
                        + (b.isNumber() ? "number " + b.asText() : EvidenceJson.kind(b)));
            }
            out[i] = (byte) b.intValue();
        }
        return out;
    }

    private static EventLog eventLog(JsonNode arr, String path) throws EvidenceFormatException {
        if (!arr.isArray()) {
            throw new EvidenceFormatException(path, "must be an array of event log entries, got " + EvidenceJson.kind(arr));
        }
        try {
            return EventLog.parse(arr.toString());
        } catch (EventLogFormatException e) {
            throw new EvidenceFormatException(path, e.getMessage(), e);
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** At most eight of the object's field names, escaped: they come from the evidence and reach terminals. */
    private static String fieldList(JsonNode n) {
        List<String> names = fieldNames(n);
        String shown = names.stream().limit(8).map(TerminalText::escape).collect(Collectors.joining(", "));
        return names.size() > 8 ? shown + ", … (" + names.size() + " in all)" : shown;
    }

    /** Reads at most {@code cap} bytes; a longer file is an error rather than a truncation. */
    static byte[] readCapped(Path file, int cap) throws IOException, EvidenceFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes(cap + 1);
            if (data.length > cap) {
                throw new EvidenceFormatException("$", file + " is larger than " + cap + " bytes");
            }
            return data;
        }
    }
}
