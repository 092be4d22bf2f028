package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.TcbInfo;

/**
 * Checks on the app-compose document (dstack's app-compose.json, measured into RTMR3 as its SHA-256 by the
 * {@code compose-hash} event): its hash, its security settings and the launcher compose file inside it.
 * The document is parsed once, strictly (duplicate keys rejected, as dstack's serde structs do).
 */
final class AppComposeChecks {
    private final Optional<String> text;
    private final Optional<JsonNode> json;
    private final String unreadable;

    AppComposeChecks(Optional<String> text) {
        this.text = text;
        JsonNode parsed = null;
        String why = "app_compose was not supplied";
        if (text.isPresent()) {
            try {
                parsed = PolicyJson.MAPPER.readTree(text.get());
                why = parsed != null && parsed.isObject() ? null : "app_compose is not a JSON object";
            } catch (JacksonException e) {
                why = "app_compose is not valid JSON (" + PolicyJson.location(e) + ")";
            }
        }
        this.json = why == null ? Optional.of(parsed) : Optional.empty();
        this.unreadable = why;
    }

    /** Payload of the single 32-byte compose-hash event, hex. */
    static Optional<String> composeHash(EventLog log) {
        return Events.payloadOf(log, Events.COMPOSE_HASH, 32).map(Hex::encode);
    }

    /** SHA-256 of {@code docker_compose_file}, hex, if the document has that string. */
    Optional<String> launcherComposeHash() {
        return json.map(j -> j.get("docker_compose_file")).filter(JsonNode::isTextual)
                .map(n -> Digests.sha256Hex(n.textValue()));
    }

    /**
     * Exactly one 32-byte {@code compose-hash} event, equal to SHA-256 of the exact app_compose text (UTF-8)
     * and to {@code tcb_info.compose_hash} when given.
     */
    Check composeHashCheck(EventLog log, Optional<TcbInfo> tcb) {
        String name = MpcAppVerifier.COMPOSE_HASH;
        Events.One one = Events.exactlyOne(log, Events.COMPOSE_HASH, 32, name);
        if (one instanceof Events.Missing m) return m.failure();
        String event = Hex.encode(((Events.Found) one).payload());
        List<String> problems = new ArrayList<>();
        if (text.isEmpty()) {
            problems.add("app_compose was not supplied, so compose-hash " + event + " cannot be checked");
        } else {
            String actual = Digests.sha256Hex(text.get());
            if (!actual.equals(event)) {
                problems.add("SHA-256 of app_compose is " + actual + " but the compose-hash event says " + event);
            }
        }
        tcb.map(TcbInfo::composeHash).filter(h -> !h.equals(event))
                .ifPresent(h -> problems.add("tcb_info.compose_hash " + h + " differs from the compose-hash event " + event));
        return problems.isEmpty()
                ? Check.pass(name, "compose-hash " + event + " = SHA-256 of app_compose")
                : Check.fail(name, String.join("; ", problems));
    }

    /**
     * The document parses as the MPC contract's app-compose: only the fields it models, each of its type,
     * the required ones present ({@link AppComposeSchema}).
     */
    Check fieldsCheck() {
        String name = MpcAppVerifier.APP_COMPOSE_FIELDS;
        if (json.isEmpty()) return Check.fail(name, unreadable);
        List<String> problems = AppComposeSchema.problems(json.get());
        return problems.isEmpty()
                ? Check.pass(name, json.get().size() + " fields, each one the contract models, of the type it expects")
                : Check.fail(name, String.join("; ", problems));
    }

    /**
     * The values the MPC contract requires: manifest_version 2, runner docker-compose, KMS disabled (absent
     * means disabled), {@code gateway_enabled} present and false and its legacy alias {@code tproxy_enabled}
     * not true (dstack enables the gateway when either is), local key provider enabled, public logs and
     * sysinfo, no instance id, no allowed envs (absent means none), and none of pre_launch_script /
     * init_script / bash_script (null counts as absent, as for the contract).
     */
    Check settingsCheck() {
        String name = MpcAppVerifier.APP_COMPOSE_SETTINGS;
        if (json.isEmpty()) return Check.fail(name, unreadable);
        JsonNode j = json.get();
        List<String> problems = new ArrayList<>();
        JsonNode version = j.get("manifest_version");
        if (version == null || !version.isIntegralNumber() || !version.canConvertToInt() || version.intValue() != 2) {
            problems.add("manifest_version must be 2");
        }
        JsonNode runner = j.get("runner");
        if (runner == null || !runner.isTextual() || !"docker-compose".equals(runner.textValue())) {
            problems.add("runner must be \"docker-compose\"");
        }
        if (j.has("kms_enabled")) requireBool(j, "kms_enabled", false, problems);
        requireBool(j, "gateway_enabled", false, problems);
        JsonNode tproxy = j.get("tproxy_enabled");
        if (tproxy != null && tproxy.isBoolean() && tproxy.booleanValue()) {
            problems.add("tproxy_enabled must not be true (the legacy name of gateway_enabled)");
        }
        requireBool(j, "local_key_provider_enabled", true, problems);
        requireBool(j, "public_logs", true, problems);
        requireBool(j, "public_sysinfo", true, problems);
        requireBool(j, "no_instance_id", true, problems);
        JsonNode envs = j.get("allowed_envs");
        if (envs != null && !(envs.isArray() && envs.isEmpty())) {
            problems.add("allowed_envs must be empty (it lets the host inject environment variables), got "
                    + (envs.isArray() ? envs.size() + " entries" : PolicyJson.kind(envs)));
        }
        for (String script : List.of("pre_launch_script", "init_script", "bash_script")) {
            if (j.hasNonNull(script)) problems.add(script + " must be absent (it runs code the launcher compose allow-list does not cover)");
        }
        return problems.isEmpty()
                ? Check.pass(name, "KMS and gateway disabled, local key provider, public logs and sysinfo, no instance id, "
                        + "no allowed envs, no scripts")
                : Check.fail(name, String.join("; ", problems));
    }

    /** SHA-256 of {@code docker_compose_file} is an allowed launcher compose hash. */
    Check launcherCheck(MpcPolicy policy) {
        String name = MpcAppVerifier.LAUNCHER_COMPOSE_HASH;
        if (json.isEmpty()) return Check.fail(name, unreadable);
        Optional<String> hash = launcherComposeHash();
        if (hash.isEmpty()) return Check.fail(name, "app_compose.docker_compose_file must be a string");
        if (!policy.allowedLauncherComposeHashes().contains(hash.get())) {
            return Check.fail(name, "launcher compose " + hash.get() + " (SHA-256 of app_compose.docker_compose_file) is not among the "
                    + policy.allowedLauncherComposeHashes().size() + " allowed launcher compose hashes"
                    + (policy.launcherRenderings().isEmpty() ? "" : " (" + policy.launcherRenderings().size()
                            + " of them rendered from the launcher template)"));
        }
        LauncherRendering r = policy.launcherRenderings().get(hash.get());
        return Check.pass(name, "launcher compose " + hash.get() + " is allowed"
                + (r == null ? " (listed)" : " (the launcher template rendered with " + r.describe() + ")"));
    }

    private static void requireBool(JsonNode j, String field, boolean expected, List<String> problems) {
        JsonNode v = j.get(field);
        if (v == null || !v.isBoolean() || v.booleanValue() != expected) {
            problems.add(field + " must be " + expected + ", got " + (v == null ? "missing" : v.isBoolean() ? v.asText() : PolicyJson.kind(v)));
        }
    }
}
