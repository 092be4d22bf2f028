package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Methods only the external Worker listener serves. {@code GetAttestationForAppKey}: GetQuote over
 * {@code "dip1::ed25519-pk:"} or {@code "dip1::secp256k1c-pk:"} + unpadded base64url of the public key
 * GetKey derives at path {@code vms}, purpose {@code signing} (SEC1 compressed for secp256k1), the text
 * zero-padded to 64 bytes, as dstack 0.5.11 does. {@code Health} (v1): this agent watches no containers,
 * so it reports healthy while its TEE backend answers.
 */
final class WorkerMethods {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final GuestApi api;
    private final KeyMethods keyMethods;

    WorkerMethods(GuestApi api, KeyMethods keyMethods) {
        this.api = api;
        this.keyMethods = keyMethods;
    }

    ObjectNode attestationForAppKey(Params p) throws GuestApiException, TeeException {
        String algorithm = p.string("algorithm").orElse("");
        String prefix = switch (algorithm) {
            case "ed25519" -> "dip1::ed25519-pk:";
            case "secp256k1", "k256" -> "dip1::secp256k1c-pk:";
            default -> throw GuestApiException.badRequest("Unsupported algorithm "
                    + (algorithm.isEmpty() ? "(none given)" : algorithm) + "; use ed25519 or secp256k1 (k256)");
        };
        byte[] publicKey = keyMethods.publicKey("vms", "signing", algorithm.equals("ed25519") ? "ed25519" : "secp256k1");
        byte[] text = (prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey))
                .getBytes(StandardCharsets.US_ASCII);
        return api.quoteResponse(java.util.Arrays.copyOf(text, 64));
    }

    ObjectNode health() {
        api.backend().measurements();
        ObjectNode out = JSON.createObjectNode();
        out.put("healthy", true);
        out.putArray("unhealthy");
        out.put("error", "");
        return out;
    }
}
