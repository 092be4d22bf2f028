package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The boot measurements of one dstack OS image release on one host setup: MRTD and RTMR0–2 (firmware,
 * kernel, command line and initrd; 48-byte SHA-384 registers as 96 lowercase hex) and the key provider
 * measured into RTMR3. A node is accepted only if its quote matches one allowed set.
 *
 * <p>JSON form (a file holds one such object or an array of them):
 * {@snippet lang=json :
 * {"name": "dstack 0.5.x on host A", "mrtd": "f06d…", "rtmr0": "e673…", "rtmr1": "…", "rtmr2": "…",
 *  "key_provider": {"name": "local-sgx", "id": "1b7a…"}}
 * }
 * {@code key_provider} may also be the payload's JSON text; instead of it, an object may carry a dstack
 * {@code event_log} (as in a {@code tcb_info.json}) whose single {@code key-provider} event is used.
 * Other fields (e.g. {@code source}, {@code os_image_hash}) are ignored.
 *
 * @param name        label shown in check details
 * @param mrtd        MRTD, 96 hex
 * @param rtmr0       RTMR0, 96 hex
 * @param rtmr1       RTMR1, 96 hex
 * @param rtmr2       RTMR2, 96 hex
 * @param keyProvider the expected {@code key-provider} event payload
 */
public record MeasurementSet(String name, String mrtd, String rtmr0, String rtmr1, String rtmr2, KeyProvider keyProvider) {

    /** Classpath resource of {@link #defaults()}. */
    public static final String DEFAULTS_RESOURCE = "/org/dstack4j/attestation/policy/default-measurements.json";

    /** @throws IllegalArgumentException if a register is not 96 hex characters */
    public MeasurementSet {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyProvider, "keyProvider");
        mrtd = Digests.normalizeRegister("mrtd", mrtd);
        rtmr0 = Digests.normalizeRegister("rtmr0", rtmr0);
        rtmr1 = Digests.normalizeRegister("rtmr1", rtmr1);
        rtmr2 = Digests.normalizeRegister("rtmr2", rtmr2);
    }

    /** A copy with another MRTD (96 hex). */
    public MeasurementSet withMrtd(String mrtd) {
        return new MeasurementSet(name, mrtd, rtmr0, rtmr1, rtmr2, keyProvider);
    }

    /**
     * The sets recorded from the real MPC attestations in {@code fixtures/mpc-attestation}: the three
     * captures share MRTD and RTMR0 but differ in RTMR1–2 (different dstack OS images) and one in the
     * key-provider id, so each is its own set; each set's {@code source} in the resource names its fixture.
     */
    public static List<MeasurementSet> defaults() {
        try (InputStream in = MeasurementSet.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULTS_RESOURCE);
        } catch (IOException | PolicyFormatException e) {
            throw new IllegalStateException("built-in " + DEFAULTS_RESOURCE + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * Loads sets from a JSON file (at most 1 MiB) in the form described above.
     *
     * @throws IOException           if the file cannot be read
     * @throws PolicyFormatException naming the file and the entry and field at fault, or if it holds no set
     */
    public static List<MeasurementSet> load(Path file) throws IOException, PolicyFormatException {
        return parse(PolicyJson.readFile(file), file.toString());
    }

    /**
     * Parses sets from JSON text.
     *
     * @param source the name of the input for error messages
     * @throws PolicyFormatException naming the entry and field at fault, or if the text holds no set
     */
    public static List<MeasurementSet> parse(String json, String source) throws PolicyFormatException {
        JsonNode root = PolicyJson.read(json, source);
        List<JsonNode> items = new ArrayList<>();
        if (root.isArray()) root.forEach(items::add);
        else if (root.isObject()) items.add(root);
        else throw new PolicyFormatException(source, "must be a measurement set object or an array of them, got " + PolicyJson.kind(root));
        if (items.isEmpty()) throw new PolicyFormatException(source, "holds no measurement set");
        List<MeasurementSet> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(one(items.get(i), source, root.isArray() ? "[" + i + "]" : "$"));
        }
        return List.copyOf(out);
    }

    private static MeasurementSet one(JsonNode n, String source, String at) throws PolicyFormatException {
        if (!n.isObject()) throw new PolicyFormatException(source, at + " must be an object, got " + PolicyJson.kind(n));
        String name = n.path("name").isTextual() ? n.get("name").textValue() : "set " + at;
        String[] regs = new String[4];
        String[] fields = {"mrtd", "rtmr0", "rtmr1", "rtmr2"};
        for (int i = 0; i < 4; i++) {
            JsonNode v = n.get(fields[i]);
            if (v == null || !v.isTextual()) {
                throw new PolicyFormatException(source, at + "." + fields[i] + " must be a string of 96 hex characters, got "
                        + PolicyJson.kind(v));
            }
            try {
                regs[i] = Digests.normalizeRegister(fields[i], v.textValue());
            } catch (IllegalArgumentException e) {
                throw new PolicyFormatException(source, at + "." + e.getMessage());
            }
        }
        return new MeasurementSet(name, regs[0], regs[1], regs[2], regs[3], keyProvider(n, source, at));
    }

    private static KeyProvider keyProvider(JsonNode n, String source, String at) throws PolicyFormatException {
        JsonNode kp = n.get("key_provider");
        if (kp != null && kp.isObject()) {
            return KeyProvider.fromNode(kp).orElseThrow(() -> new PolicyFormatException(source,
                    at + ".key_provider must have string \"name\" and \"id\""));
        }
        if (kp != null && kp.isTextual()) {
            return KeyProvider.fromJson(kp.textValue()).orElseThrow(() -> new PolicyFormatException(source,
                    at + ".key_provider must be JSON text {\"name\":…,\"id\":…}"));
        }
        if (kp == null && n.path("event_log").isArray()) {
            List<JsonNode> events = new ArrayList<>();
            for (JsonNode e : n.get("event_log")) {
                if (e.path("imr").asInt(-1) == 3 && "key-provider".equals(e.path("event").asText())) events.add(e);
            }
            if (events.size() != 1) {
                throw new PolicyFormatException(source, at + ".event_log must hold exactly one key-provider event, has " + events.size());
            }
            byte[] payload;
            try {
                payload = java.util.HexFormat.of().parseHex(events.getFirst().path("event_payload").asText());
            } catch (IllegalArgumentException e) {
                throw new PolicyFormatException(source, at + ".event_log key-provider event_payload is not hex");
            }
            return KeyProvider.fromPayload(payload).orElseThrow(() -> new PolicyFormatException(source,
                    at + ".event_log key-provider payload is not {\"name\":…,\"id\":…}"));
        }
        throw new PolicyFormatException(source, at + ".key_provider is required: {\"name\":…,\"id\":…} (or an event_log with a key-provider event)");
    }
}
