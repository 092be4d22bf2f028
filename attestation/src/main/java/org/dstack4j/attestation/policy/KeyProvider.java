package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * The key provider dstack measured into RTMR3 at boot: the {@code key-provider} event's JSON payload
 * {@code {"name":"local-sgx"|"kms"|"none","id":"<hex>"}} (docs/guest-api.md "RTMR3 semantics").
 * For {@code local-sgx}, {@code id} identifies the host's SGX key-provider enclave.
 *
 * @param name provider kind, e.g. {@code local-sgx}
 * @param id   provider identity as served (hex for {@code local-sgx}), compared exactly
 */
public record KeyProvider(String name, String id) {
    public KeyProvider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
    }

    /**
     * Reads a {@code key-provider} event payload (UTF-8 JSON object with string {@code name} and {@code id});
     * empty if it is not one.
     */
    public static Optional<KeyProvider> fromPayload(byte[] payload) {
        return fromJson(new String(payload, StandardCharsets.UTF_8));
    }

    /** Reads the payload's JSON text; empty if it is not an object with string {@code name} and {@code id}. */
    public static Optional<KeyProvider> fromJson(String json) {
        try {
            return fromNode(PolicyJson.MAPPER.readTree(json));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    static Optional<KeyProvider> fromNode(JsonNode n) {
        if (n == null || !n.isObject() || !n.path("name").isTextual() || !n.path("id").isTextual()) {
            return Optional.empty();
        }
        return Optional.of(new KeyProvider(n.get("name").textValue(), n.get("id").textValue()));
    }
}
