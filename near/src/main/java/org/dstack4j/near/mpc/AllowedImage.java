package org.dstack4j.near.mpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * An approved MPC node image digest as {@code allowed_docker_image_hashes} returns it: since 3.14 an object
 * {@code {"image_hash": "<64 hex>", "expiry_timestamp_seconds": <u64 or null>}}, before that a bare hex string.
 *
 * @param hex    the 64 lowercase hex characters (the manifest digest since near/mpc #2785, an image ID before)
 * @param expiry block time in seconds at which the contract evicts it; empty when not yet known or legacy
 */
public record AllowedImage(String hex, OptionalLong expiry) {
    static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public AllowedImage {
        if (!HEX64.matcher(hex).matches()) throw new IllegalArgumentException("an image hash is 64 lowercase hex characters");
    }

    /** {@code sha256:<hex>}, the form of {@code image-digest.bin} and {@code docker pull}. */
    public String digest() {
        return "sha256:" + hex;
    }

    /**
     * Parses the view's answer, in the contract's order (newest expiry first since 3.14).
     *
     * @throws IllegalArgumentException when it is not an array, or an entry is neither shape (the message names the
     *                                  index)
     */
    public static List<AllowedImage> parseList(JsonNode answer) {
        if (answer == null || !answer.isArray()) throw new IllegalArgumentException("allowed_docker_image_hashes did not return an array");
        List<AllowedImage> out = new ArrayList<>(answer.size());
        for (int i = 0; i < answer.size(); i++) {
            JsonNode e = answer.get(i);
            String at = "allowed_docker_image_hashes[" + i + "]";
            JsonNode hash = e.isObject() ? e.get("image_hash") : e;
            if (hash == null || !hash.isTextual() || !HEX64.matcher(hash.textValue()).matches()) {
                throw new IllegalArgumentException(at + " is neither a 64-hex image hash nor {image_hash, expiry_timestamp_seconds}");
            }
            JsonNode exp = e.isObject() ? e.get("expiry_timestamp_seconds") : null;
            OptionalLong expiry = OptionalLong.empty();
            if (exp != null && !exp.isNull()) {
                if (!exp.canConvertToLong() || exp.asLong() < 0) throw new IllegalArgumentException(at + ".expiry_timestamp_seconds is not a u64");
                expiry = OptionalLong.of(exp.asLong());
            }
            out.add(new AllowedImage(hash.textValue(), expiry));
        }
        return List.copyOf(out);
    }
}
