package org.dstack4j.agent.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A dstack app-compose.json: the raw bytes (whose SHA-256 is the compose hash) and the fields the
 * boot sequence reads. Field semantics follow dstack's {@code AppCompose}: {@code key_provider}
 * ({@code none|kms|local|tpm}) wins; otherwise {@code kms_enabled} → kms,
 * {@code local_key_provider_enabled} → local, else none.
 *
 * @param raw              exact file bytes
 * @param name             {@code name}, or "" when absent
 * @param keyProvider      resolved key provider kind
 * @param keyProviderId    {@code key_provider_id} as lowercase hex ("" when absent)
 * @param noInstanceId     {@code no_instance_id}
 * @param storageFs        {@code storage_fs}, when present
 */
public record AppCompose(byte[] raw, String name, KeyProviderKind keyProvider, String keyProviderId,
        boolean noInstanceId, Optional<String> storageFs) {

    /** Where the key provider of the CVM is. */
    public enum KeyProviderKind { NONE, KMS, LOCAL, TPM }

    private static final String DEFAULT_RESOURCE = "default-app-compose.json";
    private static final long MAX_BYTES = 1L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public AppCompose {
        raw = raw.clone();
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    /** The raw text (UTF-8). */
    public String text() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    /** SHA-256 of the raw bytes, 32 bytes: dstack's compose hash. */
    public byte[] composeHash() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(raw);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** The built-in app-compose: the real MPC launcher's, from the 2026-08-14 attestation fixture. */
    public static AppCompose defaults() {
        try (InputStream in = AppCompose.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " is missing from the agent jar");
            }
            return parse(in.readAllBytes(), "built-in " + DEFAULT_RESOURCE);
        } catch (IOException | ProfileException e) {
            throw new IllegalStateException("built-in app-compose is broken: " + e.getMessage(), e);
        }
    }

    /**
     * Reads an app-compose file (at most 1 MiB).
     *
     * @throws ProfileException naming the file and the problem
     */
    public static AppCompose load(Path file) throws ProfileException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ProfileException("app-compose " + file + " is larger than 1 MiB");
            }
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new ProfileException("cannot read app-compose " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses app-compose bytes.
     *
     * @param origin names the input in error messages
     * @throws ProfileException if it is not a JSON object or a field has the wrong type
     */
    public static AppCompose parse(byte[] raw, String origin) throws ProfileException {
        JsonNode root;
        try {
            root = JSON.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new ProfileException("app-compose " + origin + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProfileException("cannot read app-compose " + origin, e);
        }
        if (root == null || !root.isObject()) {
            throw new ProfileException("app-compose " + origin + " must be a JSON object");
        }
        String name = text(root, "name", origin).orElse("");
        KeyProviderKind kind;
        Optional<String> explicit = text(root, "key_provider", origin);
        if (explicit.isPresent()) {
            kind = switch (explicit.get()) {
                case "none" -> KeyProviderKind.NONE;
                case "kms" -> KeyProviderKind.KMS;
                case "local" -> KeyProviderKind.LOCAL;
                case "tpm" -> KeyProviderKind.TPM;
                default -> throw new ProfileException("app-compose " + origin
                        + ": key_provider must be one of none, kms, local, tpm; got \"" + explicit.get() + "\"");
            };
        } else if (bool(root, "kms_enabled", origin)) {
            kind = KeyProviderKind.KMS;
        } else if (bool(root, "local_key_provider_enabled", origin)) {
            kind = KeyProviderKind.LOCAL;
        } else {
            kind = KeyProviderKind.NONE;
        }
        String keyProviderId = text(root, "key_provider_id", origin).orElse("");
        try {
            keyProviderId = HexFormat.of().formatHex(HexFormat.of().parseHex(
                    keyProviderId.startsWith("0x") ? keyProviderId.substring(2) : keyProviderId));
        } catch (IllegalArgumentException e) {
            throw new ProfileException("app-compose " + origin + ": key_provider_id must be hex");
        }
        return new AppCompose(raw, name, kind, keyProviderId, bool(root, "no_instance_id", origin),
                text(root, "storage_fs", origin));
    }

    private static Optional<String> text(JsonNode root, String field, String origin) throws ProfileException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new ProfileException("app-compose " + origin + ": " + field + " must be a string");
        }
        return Optional.of(n.asText());
    }

    private static boolean bool(JsonNode root, String field, String origin) throws ProfileException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new ProfileException("app-compose " + origin + ": " + field + " must be true or false");
        }
        return n.asBoolean();
    }
}
