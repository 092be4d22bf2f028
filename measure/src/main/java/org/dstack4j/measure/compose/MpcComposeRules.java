package org.dstack4j.measure.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MPC contract's rules for an app-compose (what it checks before accepting a node): manifest_version 2,
 * runner docker-compose, KMS and gateway off (also the old name {@code tproxy_enabled}), the local key
 * provider on, public logs and sysinfo on, no instance id, no allowed envs, no
 * {@code pre_launch_script} / {@code init_script} / {@code bash_script}.
 */
public final class MpcComposeRules {
    private static final Map<String, Boolean> REQUIRED_FLAGS = Map.of(
            "kms_enabled", false,
            "gateway_enabled", false,
            "local_key_provider_enabled", true,
            "public_logs", true,
            "public_sysinfo", true,
            "no_instance_id", true);
    private static final List<String> FLAG_ORDER = List.of(
            "kms_enabled", "gateway_enabled", "local_key_provider_enabled", "public_logs", "public_sysinfo", "no_instance_id");
    private static final List<String> FORBIDDEN_SCRIPTS = List.of("pre_launch_script", "init_script", "bash_script");

    private MpcComposeRules() {}

    /** Every broken rule, one sentence each; empty when the document passes. */
    public static List<String> violations(ObjectNode doc) {
        List<String> out = new ArrayList<>();
        JsonNode version = doc.get("manifest_version");
        if (version == null || !version.isIntegralNumber() || version.intValue() != 2) {
            out.add("manifest_version must be 2, got " + describe(version));
        }
        JsonNode runner = doc.get("runner");
        if (runner == null || !"docker-compose".equals(runner.textValue())) {
            out.add("runner must be \"docker-compose\", got " + describe(runner));
        }
        for (String flag : FLAG_ORDER) {
            boolean want = REQUIRED_FLAGS.get(flag);
            JsonNode v = doc.get(flag);
            if (v == null || !v.isBoolean() || v.booleanValue() != want) {
                out.add(flag + " must be " + want + ", got " + describe(v));
            }
        }
        JsonNode tproxy = doc.get("tproxy_enabled");
        if (tproxy != null && !(tproxy.isBoolean() && !tproxy.booleanValue())) {
            out.add("tproxy_enabled (the gateway's old name) must be false, got " + describe(tproxy));
        }
        JsonNode envs = doc.get("allowed_envs");
        if (envs != null && !(envs.isArray() && envs.isEmpty())) {
            out.add("allowed_envs must be empty (it lets the host inject environment variables), got " + describe(envs));
        }
        for (String script : FORBIDDEN_SCRIPTS) {
            if (doc.hasNonNull(script)) out.add(script + " must be absent (it runs code the launcher allow-list does not cover)");
        }
        if (!doc.path("docker_compose_file").isTextual()) {
            out.add("docker_compose_file must be a string (the launcher compose), got " + describe(doc.get("docker_compose_file")));
        }
        return List.copyOf(out);
    }

    private static String describe(JsonNode v) {
        if (v == null) return "nothing (missing)";
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
