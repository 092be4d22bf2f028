package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.dstack4j.sdk.Hex;

/**
 * The fields of one request (JSON body or query string), with typed readers whose errors name the
 * field. Unknown fields are ignored, as dstack's agent ignores them.
 */
public record Params(ObjectNode fields) {

    /** The string field, or empty when absent or null. */
    public Optional<String> string(String name) throws GuestApiException {
        JsonNode n = fields.get(name);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw GuestApiException.badRequest(name + " must be a string");
        }
        return Optional.of(n.asText());
    }

    /** A required string field. */
    public String requiredString(String name) throws GuestApiException {
        return string(name).orElseThrow(() -> GuestApiException.badRequest("missing field " + name));
    }

    /**
     * A hex bytes field (lowercase or uppercase, optional {@code 0x}); absent means empty.
     *
     * @param maxBytes the most bytes allowed
     */
    public byte[] hex(String name, int maxBytes) throws GuestApiException {
        Optional<String> s = string(name);
        if (s.isEmpty()) {
            return new byte[0];
        }
        String h = s.get();
        String digits = h.startsWith("0x") || h.startsWith("0X") ? h.substring(2) : h;
        if (digits.length() > 2L * maxBytes) {
            throw GuestApiException.badRequest(name + " is longer than " + maxBytes + " bytes");
        }
        try {
            return Hex.decode(h);
        } catch (IllegalArgumentException e) {
            throw GuestApiException.badRequest(name + " is not valid hex (use an even number of 0-9a-f digits)");
        }
    }

    /** A boolean field (JSON boolean, or "true"/"false" from a query string); absent means {@code dflt}. */
    public boolean bool(String name, boolean dflt) throws GuestApiException {
        JsonNode n = fields.get(name);
        if (n == null || n.isNull()) return dflt;
        if (n.isBoolean()) return n.asBoolean();
        if (n.isTextual() && (n.asText().equals("true") || n.asText().equals("false"))) {
            return Boolean.parseBoolean(n.asText());
        }
        throw GuestApiException.badRequest(name + " must be true or false");
    }

    /** A non-negative integer field (JSON number or decimal string), or empty when absent. */
    public Optional<Long> unsigned(String name) throws GuestApiException {
        JsonNode n = fields.get(name);
        if (n == null || n.isNull()) return Optional.empty();
        try {
            long v = n.isIntegralNumber() && n.canConvertToLong() ? n.asLong()
                    : n.isTextual() ? Long.parseLong(n.asText()) : -1;
            if (v >= 0) return Optional.of(v);
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GuestApiException.badRequest(name + " must be a non-negative integer");
    }

    /**
     * A list of strings (JSON array, or one string from a query string); absent means empty.
     *
     * @param maxItems most entries allowed
     */
    public java.util.List<String> strings(String name, int maxItems) throws GuestApiException {
        JsonNode n = fields.get(name);
        if (n == null || n.isNull()) return java.util.List.of();
        if (n.isTextual()) return java.util.List.of(n.asText());
        if (!n.isArray()) throw GuestApiException.badRequest(name + " must be an array of strings");
        if (n.size() > maxItems) throw GuestApiException.badRequest(name + " has more than " + maxItems + " entries");
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw GuestApiException.badRequest(name + " must be an array of strings");
            out.add(e.asText());
        }
        return java.util.List.copyOf(out);
    }
}
