package org.dstack4j.measure.compose;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.bouncycastle.jcajce.provider.digest.Keccak;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.Utf8;

/**
 * An app-compose.json as dstack's {@code vmm-cli.py compose} writes it, and the identities derived from its
 * bytes: compose-hash (SHA-256, the RTMR3 {@code compose-hash} event), app-id (its first 20 bytes when the
 * CVM has no app id of its own) and {@code mr_config_id} (dstack's v1 / v2 layouts, 48 bytes).
 *
 * <p>Members are written in vmm-cli's order ({@link #KEY_ORDER}); members vmm-cli never writes follow in
 * their input order. Values are kept as given: normalizing changes layout, never content.
 */
public final class AppComposeDocument {
    /** The member order of {@code vmm-cli.py compose} (dstack v0.5.8): the fixed members, then the optional ones. */
    public static final List<String> KEY_ORDER = List.of(
            "manifest_version", "name", "runner", "docker_compose_file", "kms_enabled", "gateway_enabled",
            "local_key_provider_enabled", "key_provider_id", "public_logs", "public_sysinfo", "allowed_envs",
            "no_instance_id", "secure_time", "key_provider", "pre_launch_script", "swap_size");

    /** Largest app-compose accepted, bytes. */
    public static final long MAX_BYTES = 1 << 20;

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final ObjectNode json;
    private final byte[] bytes;

    private AppComposeDocument(ObjectNode json) {
        this.json = json;
        this.bytes = PythonJson.dumps(json).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses any JSON form of an app-compose (compact, pretty, any member order) and writes it the vmm-cli way.
     *
     * @param source names the input in errors (a file name)
     * @throws MeasureInputException if it is not strict UTF-8 JSON holding one object without duplicate members
     */
    public static AppComposeDocument normalize(byte[] input, String source) throws MeasureInputException {
        if (input.length > MAX_BYTES) {
            throw new MeasureInputException("app-compose " + source + " is " + input.length + " bytes, more than " + MAX_BYTES);
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(Utf8.decodeStrict(input));
        } catch (CharacterCodingException e) {
            throw new MeasureInputException("app-compose " + source + " is not valid UTF-8; save it as UTF-8", e);
        } catch (JacksonException e) {
            throw new MeasureInputException("app-compose " + source + " is not valid JSON (" + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + "); fix the JSON", e);
        } catch (NumberFormatException e) {
            // Jackson reports a number it cannot represent (an exponent of thousands of digits) this way.
            throw new MeasureInputException("app-compose " + source + " has a number out of range: " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new MeasureInputException("app-compose " + source + " must be a JSON object");
        }
        try {
            return new AppComposeDocument(reorder((ObjectNode) tree));
        } catch (IllegalArgumentException e) {
            throw new MeasureInputException("app-compose " + source + ": " + e.getMessage(), e);
        }
    }

    /** Builds the document {@code vmm-cli.py compose} would write for these flags. */
    public static AppComposeDocument build(AppComposeSpec spec) throws MeasureInputException {
        if (!spec.allowedEnvs().isEmpty() && !spec.kms()) {
            throw new MeasureInputException("allowed envs need --kms (vmm-cli refuses an env file without KMS, which decrypts them)");
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("manifest_version", 2);
        o.put("name", spec.name());
        o.put("runner", "docker-compose");
        o.put("docker_compose_file", spec.dockerComposeFile());
        o.put("kms_enabled", spec.kms());
        o.put("gateway_enabled", spec.gateway());
        o.put("local_key_provider_enabled", spec.localKeyProvider());
        o.put("key_provider_id", spec.keyProviderId().orElse(""));
        o.put("public_logs", spec.publicLogs());
        o.put("public_sysinfo", spec.publicSysinfo());
        spec.allowedEnvs().forEach(o.putArray("allowed_envs")::add);
        o.put("no_instance_id", spec.noInstanceId());
        o.put("secure_time", spec.secureTime());
        spec.keyProvider().ifPresent(k -> o.put("key_provider", k));
        spec.preLaunchScript().ifPresent(s -> o.put("pre_launch_script", s));
        // vmm-cli: swap in MiB, written in bytes, dropped when 0.
        spec.swapMib().filter(m -> m > 0).ifPresent(m -> o.put("swap_size", m * 1024 * 1024));
        try {
            return new AppComposeDocument(o);
        } catch (IllegalArgumentException e) {
            throw new MeasureInputException("app-compose: " + e.getMessage(), e);
        }
    }

    private static ObjectNode reorder(ObjectNode in) {
        ObjectNode out = JSON.createObjectNode();
        for (String key : KEY_ORDER) {
            if (in.has(key)) out.set(key, in.get(key));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KEY_ORDER.contains(e.getKey())) out.set(e.getKey(), e.getValue());
        }
        return out;
    }

    /** The exact bytes (UTF-8, no trailing newline). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The document as text. */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A copy of the parsed document, in written order. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** SHA-256 of {@link #bytes()}, 32 bytes: the compose-hash. */
    public byte[] composeHash() {
        return InputFiles.newDigest("SHA-256").digest(bytes);
    }

    /** The app-id dstack derives when the CVM is given none: the compose-hash's first 20 bytes. */
    public byte[] appId() {
        return Arrays.copyOf(composeHash(), 20);
    }

    /** dstack's key provider kind: {@code key_provider} wins, else KMS, else local, else none. */
    public KeyProviderKind keyProvider() throws MeasureInputException {
        JsonNode kp = json.get("key_provider");
        if (kp != null && !kp.isNull()) {
            return switch (kp.asText("")) {
                case "none" -> KeyProviderKind.NONE;
                case "kms" -> KeyProviderKind.KMS;
                case "local" -> KeyProviderKind.LOCAL;
                case "tpm" -> KeyProviderKind.TPM;
                default -> throw new MeasureInputException("app-compose key_provider must be none, kms, local or tpm, got " + kp);
            };
        }
        if (json.path("kms_enabled").asBoolean(false)) return KeyProviderKind.KMS;
        if (json.path("local_key_provider_enabled").asBoolean(false)) return KeyProviderKind.LOCAL;
        return KeyProviderKind.NONE;
    }

    /** {@code key_provider_id} decoded from hex (empty when absent or ""). */
    public byte[] keyProviderId() throws MeasureInputException {
        JsonNode id = json.get("key_provider_id");
        if (id == null || id.isNull() || id.asText("").isEmpty()) return new byte[0];
        if (!id.isTextual()) throw new MeasureInputException("app-compose key_provider_id must be a hex string");
        try {
            return Hex.decode(id.textValue());
        } catch (IllegalArgumentException e) {
            throw new MeasureInputException("app-compose key_provider_id is not hex: " + e.getMessage(), e);
        }
    }

    /**
     * The 48-byte {@code mr_config_id} dstack's VMM puts in the TD (when {@code use_mrconfigid} is on and the
     * image is 0.5.2 or later): v1 {@code 01 ‖ compose_hash ‖ 0…} without a key_provider_id, else v2
     * {@code 02 ‖ Keccak-256(compose_hash ‖ app_id ‖ kind ‖ key_provider_id) ‖ 0…}, kind 0 none, 1 local,
     * 2 kms, 3 tpm.
     *
     * @param appId the CVM's 20-byte app id, or null for the compose-hash-derived one
     */
    public byte[] mrConfigId(byte[] appId) throws MeasureInputException {
        byte[] id = new byte[48];
        byte[] kpId = keyProviderId();
        if (kpId.length == 0) {
            id[0] = 1;
            System.arraycopy(composeHash(), 0, id, 1, 32);
            return id;
        }
        byte[] app = appId == null ? appId() : appId;
        if (app.length != 20) throw new MeasureInputException("app id must be 20 bytes, got " + app.length);
        Keccak.Digest256 k = new Keccak.Digest256();
        k.update(composeHash());
        k.update(app);
        k.update((byte) keyProvider().ordinal());
        k.update(kpId);
        id[0] = 2;
        System.arraycopy(k.digest(), 0, id, 1, 32);
        return id;
    }

    /** dstack's key provider kinds, in the order of their {@code mr_config_id} code. */
    public enum KeyProviderKind { NONE, LOCAL, KMS, TPM }
}
