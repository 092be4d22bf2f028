package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The app-compose fields the MPC contract's parser models, each with the JSON type it accepts (near/mpc
 * {@code crates/attestation} {@code AppCompose}, which rejects unknown fields). A field dstack adds in a
 * later version is therefore rejected until it is reviewed and listed here: the verifier fails closed,
 * as the contract does, rather than ignoring a setting it does not understand.
 *
 * <p>Shape rules, as a serde struct applies them: a required field must be present and not null; an
 * optional field may be absent; a nullable one may also be {@code null} (it then counts as absent);
 * {@code kms_enabled} and {@code allowed_envs} may be absent (they default to the safe value) but not null.
 * Values are judged separately ({@link AppComposeChecks#settingsCheck()}).
 */
final class AppComposeSchema {
    enum Kind { U32, STRING, BOOL, STRING_ARRAY, ANY }

    /** How a field may appear. */
    record Field(Kind kind, boolean required, boolean nullable) {}

    /** Every field the contract accepts, in its order. */
    static final Map<String, Field> FIELDS = fields();
    /** Unknown field names quoted in a message; the rest are counted. */
    private static final int MAX_NAMED = 5;

    private AppComposeSchema() {}

    private static Map<String, Field> fields() {
        Map<String, Field> f = new LinkedHashMap<>();
        f.put("manifest_version", required(Kind.U32));
        f.put("name", required(Kind.STRING));
        f.put("runner", required(Kind.STRING));
        f.put("docker_compose_file", required(Kind.STRING));
        f.put("kms_enabled", new Field(Kind.BOOL, false, false));
        f.put("tproxy_enabled", optional(Kind.BOOL));
        f.put("gateway_enabled", optional(Kind.BOOL));
        f.put("public_logs", required(Kind.BOOL));
        f.put("public_sysinfo", required(Kind.BOOL));
        f.put("local_key_provider_enabled", required(Kind.BOOL));
        f.put("key_provider_id", optional(Kind.STRING));
        f.put("allowed_envs", new Field(Kind.STRING_ARRAY, false, false));
        f.put("no_instance_id", required(Kind.BOOL));
        f.put("secure_time", optional(Kind.BOOL));
        f.put("pre_launch_script", optional(Kind.STRING));
        f.put("init_script", optional(Kind.STRING));
        f.put("bash_script", optional(Kind.STRING));
        // accepted whatever their value: inert for the MPC node, or pinned by a measured event instead
        f.put("features", optional(Kind.ANY));
        f.put("public_tcbinfo", optional(Kind.BOOL));
        f.put("key_provider", optional(Kind.ANY));
        f.put("storage_fs", optional(Kind.ANY));
        f.put("swap_size", optional(Kind.ANY));
        f.put("port_policy", optional(Kind.ANY));
        f.put("docker_config", optional(Kind.ANY));
        return java.util.Collections.unmodifiableMap(f);
    }

    private static Field required(Kind kind) {
        return new Field(kind, true, false);
    }

    private static Field optional(Kind kind) {
        return new Field(kind, false, true);
    }

    /**
     * What keeps {@code doc} from parsing as the contract's app-compose: unknown fields, missing required
     * fields, null where null is not accepted, values of the wrong type. Empty when it parses.
     *
     * @param doc a JSON object (duplicate keys were already rejected by the parser)
     */
    static List<String> problems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> names = doc.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.containsKey(name)) unknown.add(name);
        }
        if (!unknown.isEmpty()) {
            List<String> shown = unknown.stream().limit(MAX_NAMED).map(PolicyJson::quoted).toList();
            problems.add("unknown field(s) " + String.join(", ", shown)
                    + (unknown.size() > MAX_NAMED ? " and " + (unknown.size() - MAX_NAMED) + " more" : "")
                    + " (the contract rejects fields it does not model)");
        }
        for (Map.Entry<String, Field> e : FIELDS.entrySet()) {
            JsonNode v = doc.get(e.getKey());
            Field f = e.getValue();
            if (v == null) {
                if (f.required()) problems.add(e.getKey() + " is missing");
            } else if (v.isNull()) {
                if (!f.nullable()) problems.add(e.getKey() + " is null");
            } else if (!fits(f.kind(), v)) {
                problems.add(e.getKey() + " must be " + describe(f.kind()) + ", got " + PolicyJson.kind(v));
            }
        }
        return problems;
    }

    private static boolean fits(Kind kind, JsonNode v) {
        return switch (kind) {
            case U32 -> v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0 && v.longValue() <= 0xFFFF_FFFFL;
            case STRING -> v.isTextual();
            case BOOL -> v.isBoolean();
            case STRING_ARRAY -> v.isArray() && allText(v);
            case ANY -> true;
        };
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) return false;
        }
        return true;
    }

    private static String describe(Kind kind) {
        return switch (kind) {
            case U32 -> "an unsigned 32-bit integer";
            case STRING -> "a string";
            case BOOL -> "true or false";
            case STRING_ARRAY -> "an array of strings";
            case ANY -> "any value";
        };
    }
}
