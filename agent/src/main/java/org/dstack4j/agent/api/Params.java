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
}
