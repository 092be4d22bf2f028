package org.dstack4j.near.mpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.dstack4j.attestation.evidence.Base58;

/**
 * Builds the MPC contract's votes with their arguments checked before anything is signed. Argument names and shapes
 * are near/mpc's {@code crates/contract/src/lib.rs} at 3.11.0, 3.12.0 and 3.14.0. Every builder throws
 * {@link IllegalArgumentException} with a message naming the bad input.
 */
public final class Votes {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Pattern HEX96 = Pattern.compile("[0-9a-f]{96}");
    /** NEAR account ids (nomicon "Account ID"): 2–64 characters, lowercase, digits, {@code -_.} separators. */
    private static final Pattern ACCOUNT = Pattern.compile("(([a-z\\d]+[-_])*[a-z\\d]+\\.)*([a-z\\d]+[-_])*[a-z\\d]+");
    private static final List<String> MEASUREMENT_FIELDS = List.of("mrtd", "rtmr0", "rtmr1", "rtmr2", "key_provider_event_digest");

    private Votes() {}

    /** {@code vote_code_hash {"code_hash": "<64 hex>"}}: approve an MPC node image digest. */
    public static Vote codeHash(String digest) {
        return new Vote("vote_code_hash", F.objectNode().put("code_hash", hex64("image digest", digest)));
    }

    /** {@code vote_add_launcher_hash {"launcher_hash": "<64 hex>"}}: approve a launcher image digest. */
    public static Vote launcherHash(String digest) {
        return new Vote("vote_add_launcher_hash", F.objectNode().put("launcher_hash", hex64("launcher digest", digest)));
    }

    /**
     * {@code vote_add_os_measurement {"measurement": {mrtd, rtmr0, rtmr1, rtmr2, key_provider_event_digest}}} from
     * {@code dstack4j measure --output json} (its {@code events}, present with {@code --explain}, are dropped).
     */
    public static Vote osMeasurement(JsonNode measureJson) {
        if (measureJson == null || !measureJson.isObject()) throw new IllegalArgumentException("the measurement is not a JSON object (use 'dstack4j measure --output json')");
        ObjectNode m = F.objectNode();
        for (String f : MEASUREMENT_FIELDS) {
            JsonNode v = measureJson.get(f);
            if (v == null || !v.isTextual() || !HEX96.matcher(v.textValue()).matches()) {
                throw new IllegalArgumentException("the measurement's \"" + f + "\" is not 96 lowercase hex characters"
                        + (f.equals("key_provider_event_digest") ? " (run 'dstack4j measure' with --key-provider)" : ""));
            }
            m.put(f, v.textValue());
        }
        return new Vote("vote_add_os_measurement", F.objectNode().set("measurement", m));
    }

    /**
     * {@code vote_new_parameters} adding one participant to the running set read from {@code state()}.
     *
     * @param state     {@code state()}'s answer; must be {@code Running}
     * @param version   the contract's version, which decides the proposal's shape
     * @param account   the new participant's NEAR account
     * @param url       its P2P URL, e.g. {@code https://node.example:80}
     * @param tlsKey    its TLS key, {@code ed25519:<base58 of 32 bytes>} (from its {@code /public_data})
     * @param threshold the new threshold; empty keeps the current one
     * @return {@code {"prospective_epoch_id": epoch + 1, "proposal": …}}
     */
    public static Vote newParticipant(JsonNode state, ContractVersion version, String account, String url, String tlsKey,
                                      OptionalLong threshold) {
        accountId("the new participant's account", account);
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://")) || url.length() > 512) {
            throw new IllegalArgumentException("the participant URL must be http(s)://host:port");
        }
        ed25519("the participant's TLS key", tlsKey);
        JsonNode running = state == null ? null : state.get("Running");
        if (running == null || !running.isObject()) {
            String now = state != null && state.isObject() && state.fieldNames().hasNext() ? state.fieldNames().next()
                    : state != null && state.isTextual() ? state.textValue() : "unknown";
            throw new IllegalArgumentException("the contract is not Running (state: " + now.replaceAll("[^A-Za-z]", "") + "); vote new parameters when it is");
        }
        long epoch = requireLong(running.path("keyset").path("epoch_id"), "state.Running.keyset.epoch_id");
        JsonNode params = running.path("parameters");
        JsonNode participants = params.path("participants");
        long nextId = requireLong(participants.path("next_id"), "state.Running.parameters.participants.next_id");
        long current = requireLong(params.path("threshold"), "state.Running.parameters.threshold");
        JsonNode list = participants.path("participants");
        if (!list.isArray()) throw new IllegalArgumentException("state.Running.parameters.participants.participants is not an array");
        ArrayNode newList = F.arrayNode();
        for (JsonNode p : list) {
            if (!p.isArray() || p.size() != 3) throw new IllegalArgumentException("a participant in state() is not [account, id, info]");
            if (account.equals(p.get(0).asText())) throw new IllegalArgumentException(account + " is already a participant (id " + p.get(1).asText() + ")");
            if (tlsKey.equals(p.get(2).path("tls_public_key").asText())) throw new IllegalArgumentException("that TLS key is already participant " + p.get(0).asText() + "'s");
            newList.add(p.deepCopy());
        }
        newList.add(F.arrayNode().add(account).add(nextId).add(F.objectNode().put("url", url).put("tls_public_key", tlsKey)));
        long t = threshold.orElse(current);
        if (t < 2 || t > newList.size()) {
            throw new IllegalArgumentException("threshold " + t + " must be at least 2 and at most the " + newList.size() + " participants");
        }
        ObjectNode newParticipants = F.objectNode().put("next_id", nextId + 1);
        newParticipants.set("participants", newList);
        ObjectNode parameters = F.objectNode();
        parameters.set("participants", newParticipants);
        parameters.put("threshold", t);
        ObjectNode proposal;
        if (version.proposalShape() == ContractVersion.ProposalShape.FLAT) {
            proposal = parameters;
        } else {
            proposal = F.objectNode();
            proposal.set("parameters", parameters);
            proposal.set("per_domain_thresholds", F.objectNode());
        }
        ObjectNode args = F.objectNode().put("prospective_epoch_id", epoch + 1);
        args.set("proposal", proposal);
        return new Vote("vote_new_parameters", args);
    }

    /**
     * Checks a NEAR account id.
     *
     * @throws IllegalArgumentException naming {@code what}
     */
    public static String accountId(String what, String id) {
        if (id == null || id.length() < 2 || id.length() > 64 || !ACCOUNT.matcher(id).matches()) {
            throw new IllegalArgumentException(what + " is not a NEAR account id (2-64 of a-z 0-9 and - _ . separators)");
        }
        return id;
    }

    /** Checks {@code ed25519:<base58 of 32 bytes>}. */
    public static String ed25519(String what, String key) {
        boolean ok = key != null && key.startsWith("ed25519:") && key.length() < 64;
        if (ok) {
            try {
                ok = Base58.decode(key.substring(8)).length == 32;
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        }
        if (!ok) throw new IllegalArgumentException(what + " is not ed25519:<base58 of 32 bytes>");
        return key;
    }

    private static String hex64(String what, String digest) {
        String d = digest == null ? "" : digest.startsWith("sha256:") ? digest.substring(7) : digest;
        if (!AllowedImage.HEX64.matcher(d).matches()) {
            throw new IllegalArgumentException("the " + what + " is not 64 lowercase hex characters (with or without sha256:)");
        }
        return d;
    }

    private static long requireLong(JsonNode n, String where) {
        if (!n.canConvertToLong() || n.asLong() < 0) throw new IllegalArgumentException(where + " is missing or not a u64");
        return n.asLong();
    }
}
