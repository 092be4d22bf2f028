package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dstack4j.attestation.policy.MpcAppVerifier.APP_COMPOSE_FIELDS;
import static org.dstack4j.attestation.policy.MpcAppVerifier.APP_COMPOSE_SETTINGS;
import static org.dstack4j.attestation.policy.MpcAppVerifier.APP_ID;
import static org.dstack4j.attestation.policy.MpcAppVerifier.COMPOSE_HASH;
import static org.dstack4j.attestation.policy.MpcAppVerifier.INSTANCE_ID;
import static org.dstack4j.attestation.policy.MpcAppVerifier.KEY_PROVIDER;
import static org.dstack4j.attestation.policy.MpcAppVerifier.LAUNCHER_COMPOSE_HASH;
import static org.dstack4j.attestation.policy.MpcAppVerifier.MPC_IMAGE_DIGEST;
import static org.dstack4j.attestation.policy.MpcAppVerifier.REPORT_DATA;
import static org.dstack4j.attestation.policy.MpcAppVerifier.RTMR0_2_AND_MRTD;
import static org.dstack4j.attestation.policy.MpcAppVerifier.RTMR3_EVENT_ORDER;
import static org.dstack4j.attestation.policy.MpcAppVerifier.RTMR3_EVENT_TYPES;
import static org.dstack4j.attestation.policy.MpcAppVerifier.RTMR3_REPLAY;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.Base58;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.dstack4j.attestation.evidence.NearPublicKey;
import org.dstack4j.attestation.evidence.NodeKeys;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each edit of the newest real capture (or of its policy) must fail exactly the named checks. "resealed"
 * edits also recompute digests, tcb_info and the quote's RTMR3, so the rule under test is the only defence.
 */
class TamperTest {
    private static final String OTHER_IMAGE = "7c0ee6d08f253f7f890883ce4d64c387aab0d1a192a8a827f7db8cdf55a6a3b8";

    record Tamper(String name, Consumer<ObjectNode> evidence, UnaryOperator<MpcPolicy> policy, Set<String> failed, String detail) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Arguments t(String name, Consumer<ObjectNode> evidence, String... failed) {
        return Arguments.of(new Tamper(name, evidence, p -> p, Set.of(failed), ""));
    }

    private static Arguments p(String name, UnaryOperator<MpcPolicy> policy, String... failed) {
        return Arguments.of(new Tamper(name, tree -> {}, policy, Set.of(failed), ""));
    }

    /** Like {@link #t} or {@link #p}, also requiring {@code detail} in the failures' details. */
    private static Arguments withDetail(Arguments a, String detail) {
        Tamper x = (Tamper) a.get()[0];
        return Arguments.of(new Tamper(x.name(), x.evidence(), x.policy(), x.failed(), detail));
    }

    /** Edits the app-compose text (exact string replacement) and reseals everything else consistently. */
    private static Consumer<ObjectNode> compose(String from, String to) {
        return tree -> {
            String text = Forge.appCompose(tree);
            assertThat(text).contains(from);
            Forge.setAppCompose(tree, text.replace(from, to));
        };
    }

    private static Consumer<ObjectNode> resealed(Consumer<ObjectNode> edit) {
        return edit.andThen(Forge::reseal);
    }

    private static void duplicate(ObjectNode tree, String event) {
        Forge.log(tree).add(Forge.event(tree, event).deepCopy());
    }

    static Stream<Arguments> tampers() {
        return Stream.of(
                // the event log: removed, reordered, duplicated, renamed, payload edited
                t("event removed (storage-fs)", tree -> Forge.log(tree).remove(Forge.indexOf(tree, "storage-fs")), RTMR3_REPLAY),
                t("event removed (boot-mr-done)", tree -> Forge.log(tree).remove(Forge.indexOf(tree, "boot-mr-done")),
                        RTMR3_REPLAY, RTMR3_EVENT_ORDER),
                t("event removed (mpc-image-digest)", tree -> Forge.log(tree).remove(Forge.indexOf(tree, "mpc-image-digest")),
                        RTMR3_REPLAY, MPC_IMAGE_DIGEST),
                t("two events reordered (app-id, compose-hash)", tree -> Forge.swap(tree, "app-id", "compose-hash"),
                        RTMR3_REPLAY, RTMR3_EVENT_ORDER),
                t("two events reordered (key-provider, storage-fs)", tree -> Forge.swap(tree, "key-provider", "storage-fs"),
                        RTMR3_REPLAY),
                t("event duplicated (mpc-image-digest)", tree -> duplicate(tree, "mpc-image-digest"), RTMR3_REPLAY, MPC_IMAGE_DIGEST),
                t("event renamed (mpc-image-digest)", tree -> Forge.event(tree, "mpc-image-digest").put("event", "mpc-image-digest2"),
                        RTMR3_REPLAY, MPC_IMAGE_DIGEST),
                t("event renamed (key-provider)", tree -> Forge.event(tree, "key-provider").put("event", "key-provider "),
                        RTMR3_REPLAY, RTMR3_EVENT_ORDER, KEY_PROVIDER),
                withDetail(t("payload edited to another allowed image",
                        tree -> Forge.event(tree, "mpc-image-digest").put("event_payload", OTHER_IMAGE), RTMR3_REPLAY),
                        "logged digest differs from the one recomputed from name and payload for \"mpc-image-digest\""),
                // a digest of another type cannot be recomputed, so the replay takes the logged one: only the type rule catches it
                t("event type changed (logged digest kept)", tree -> Forge.event(tree, "mpc-image-digest").put("event_type", 1),
                        RTMR3_EVENT_TYPES),
                withDetail(t("event type changed, resealed", resealed(tree -> Forge.event(tree, "mpc-image-digest")
                        .put("event_type", 0x08000002)), RTMR3_EVENT_TYPES), "(0x08000002)"),
                t("boot event type changed, resealed", resealed(tree -> Forge.event(tree, "system-ready").put("event_type", 1)),
                        RTMR3_EVENT_TYPES),
                t("quote RTMR3 changed", tree -> Forge.setQuoteRtmr3(tree, new byte[48]), RTMR3_REPLAY),
                // duplicates that replay correctly: only the "exactly one" rules catch them
                withDetail(t("mpc-image-digest emitted twice, resealed", resealed(tree -> duplicate(tree, "mpc-image-digest")),
                        MPC_IMAGE_DIGEST), "found 2"),
                t("compose-hash emitted again by the app, resealed", resealed(tree -> duplicate(tree, "compose-hash")),
                        COMPOSE_HASH, RTMR3_EVENT_ORDER, APP_ID),
                t("key-provider emitted again by the app, resealed", resealed(tree -> duplicate(tree, "key-provider")),
                        KEY_PROVIDER, RTMR3_EVENT_ORDER),
                t("app-id forged, resealed", resealed(tree -> Forge.event(tree, "app-id").put("event_payload", "00".repeat(20))), APP_ID),
                t("instance-id set, resealed", resealed(tree -> Forge.event(tree, "instance-id").put("event_payload", "11".repeat(20))),
                        INSTANCE_ID),
                // tcb_info claims that disagree with the quote or the events
                t("tcb_info.rtmr1 edited", tree -> Forge.tcb(tree).put("rtmr1", "00".repeat(48)), RTMR0_2_AND_MRTD),
                t("tcb_info.compose_hash edited", tree -> Forge.tcb(tree).put("compose_hash", "00".repeat(32)), COMPOSE_HASH),
                t("tcb_info.rtmr3 edited", tree -> Forge.tcb(tree).put("rtmr3", "00".repeat(48)), RTMR3_REPLAY),
                // app-compose
                t("app_compose text edited", tree -> Forge.tcb(tree).put("app_compose", Forge.appCompose(tree) + " "), COMPOSE_HASH),
                t("kms enabled, resealed", compose("\"kms_enabled\": false", "\"kms_enabled\": true"), APP_COMPOSE_SETTINGS),
                t("gateway enabled, resealed", compose("\"gateway_enabled\": false", "\"gateway_enabled\": true"), APP_COMPOSE_SETTINGS),
                t("gateway setting removed, resealed", compose("\"gateway_enabled\": false,", ""), APP_COMPOSE_SETTINGS),
                withDetail(t("gateway_enabled replaced by tproxy_enabled false, resealed",
                        compose("\"gateway_enabled\": false", "\"tproxy_enabled\": false"), APP_COMPOSE_SETTINGS),
                        "gateway_enabled must be false, got missing"),
                t("gateway_enabled null, resealed", compose("\"gateway_enabled\": false", "\"gateway_enabled\": null"), APP_COMPOSE_SETTINGS),
                t("legacy tproxy enabled, resealed", compose("\"gateway_enabled\": false", "\"gateway_enabled\": false, \"tproxy_enabled\": true"),
                        APP_COMPOSE_SETTINGS),
                t("local key provider off, resealed", compose("\"local_key_provider_enabled\": true", "\"local_key_provider_enabled\": false"),
                        APP_COMPOSE_SETTINGS),
                t("public logs off, resealed", compose("\"public_logs\": true", "\"public_logs\": false"), APP_COMPOSE_SETTINGS),
                t("public sysinfo off, resealed", compose("\"public_sysinfo\": true", "\"public_sysinfo\": false"), APP_COMPOSE_SETTINGS),
                t("instance id on, resealed", compose("\"no_instance_id\": true", "\"no_instance_id\": false"), APP_COMPOSE_SETTINGS),
                t("kms_enabled as a string, resealed", compose("\"kms_enabled\": false", "\"kms_enabled\": \"false\""),
                        APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS),
                withDetail(t("kms_enabled null, resealed", compose("\"kms_enabled\": false", "\"kms_enabled\": null"),
                        APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS), "kms_enabled is null"),
                withDetail(t("unknown field, resealed", compose("\"secure_time\": false", "\"secure_time\": false, \"some_future_dstack_field\": false"),
                        APP_COMPOSE_FIELDS), "unknown field(s) \"some_future_dstack_field\""),
                withDetail(t("field name with a newline, resealed", compose("\"secure_time\": false", "\"secure_time\": false, \"x\\nok   forged\": 1"),
                        APP_COMPOSE_FIELDS), "\"x\\nok   forged\""),
                withDetail(t("name as a number, resealed", compose("\"name\": \"mpc-localnet-one-node-1786619449\"", "\"name\": 1"),
                        APP_COMPOSE_FIELDS), "name must be a string, got number"),
                withDetail(t("name removed, resealed", compose("\"name\": \"mpc-localnet-one-node-1786619449\",", ""),
                        APP_COMPOSE_FIELDS), "name is missing"),
                withDetail(t("public_logs removed, resealed", compose("\"public_logs\": true,", ""), APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS),
                        "public_logs is missing"),
                withDetail(t("manifest_version 2.0, resealed", compose("\"manifest_version\": 2", "\"manifest_version\": 2.0"),
                        APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS), "manifest_version must be an unsigned 32-bit integer"),
                t("manifest_version 3, resealed", compose("\"manifest_version\": 2", "\"manifest_version\": 3"), APP_COMPOSE_SETTINGS),
                t("runner bash, resealed", compose("\"runner\": \"docker-compose\"", "\"runner\": \"bash\""), APP_COMPOSE_SETTINGS),
                t("allowed_envs null, resealed", compose("\"allowed_envs\": []", "\"allowed_envs\": null"),
                        APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS),
                t("pre_launch_script as a number, resealed", compose("\"secure_time\": false", "\"secure_time\": false, \"pre_launch_script\": 1"),
                        APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS),
                t("allowed_envs non-empty, resealed", compose("\"allowed_envs\": []", "\"allowed_envs\": [\"MPC_ACCOUNT_ID\"]"),
                        APP_COMPOSE_SETTINGS),
                t("pre_launch_script added, resealed", compose("\"secure_time\": false", "\"secure_time\": false, \"pre_launch_script\": \"id\""),
                        APP_COMPOSE_SETTINGS),
                t("init_script added, resealed", compose("\"secure_time\": false", "\"secure_time\": false, \"init_script\": \"id\""),
                        APP_COMPOSE_SETTINGS),
                t("bash_script added, resealed", compose("\"secure_time\": false", "\"secure_time\": false, \"bash_script\": \"id\""),
                        APP_COMPOSE_SETTINGS),
                t("duplicate kms_enabled key, resealed", compose("\"kms_enabled\": false", "\"kms_enabled\": false, \"kms_enabled\": true"),
                        APP_COMPOSE_FIELDS, APP_COMPOSE_SETTINGS, LAUNCHER_COMPOSE_HASH),
                t("launcher compose edited, resealed", compose("read_only: true", "read_only: false"), LAUNCHER_COMPOSE_HASH),
                // report data
                t("signer key swapped", tree -> tree.put("near_signer_public_key", tree.get("near_responder_public_keys").get(0).asText()),
                        REPORT_DATA),
                t("p2p and signer keys exchanged", tree -> {
                    String s = tree.get("near_signer_public_key").asText();
                    tree.put("near_signer_public_key", tree.get("near_p2p_public_key").asText());
                    tree.put("near_p2p_public_key", s);
                }, REPORT_DATA),
                t("report data version 2", tree -> ((ArrayNode) Forge.dstack(tree).get("quote")).set(569, 2), REPORT_DATA),
                // the policy
                p("mpc-image-digest not allowed", pol -> pol.withImageHashes(Set.of(OTHER_IMAGE)), MPC_IMAGE_DIGEST),
                p("launcher compose hash not allowed", pol -> pol.withLauncherComposeHashes(Set.of("ab".repeat(32))), LAUNCHER_COMPOSE_HASH),
                p("MRTD edited in the policy", pol -> pol.withMeasurements(pol.allowedMeasurements().stream()
                        .map(s -> s.withMrtd("00".repeat(48))).toList()), RTMR0_2_AND_MRTD),
                p("no measurement sets", pol -> pol.withMeasurements(List.of()), RTMR0_2_AND_MRTD, KEY_PROVIDER),
                p("key provider id differs in the policy", pol -> pol.withMeasurements(pol.allowedMeasurements().stream()
                        .map(s -> new MeasurementSet(s.name(), s.mrtd(), s.rtmr0(), s.rtmr1(), s.rtmr2(),
                                new KeyProvider(s.keyProvider().name(), "00".repeat(32)))).toList()), KEY_PROVIDER),
                withDetail(p("key provider of another set only", pol -> pol.withMeasurements(crossed(pol.allowedMeasurements())),
                        KEY_PROVIDER), "belongs to an allowed set other than the one the registers match"),
                p("other expected keys", pol -> pol.withExpectedKeys(new NodeKeys(key(1), key(2))), REPORT_DATA));
    }

    private static NearPublicKey key(int fill) {
        byte[] raw = new byte[32];
        java.util.Arrays.fill(raw, (byte) fill);
        try {
            return NearPublicKey.parse("ed25519:" + Base58.encode(raw), "test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The newest capture's registers with the oldest's key provider, and vice versa: each part is allowed, the pairing is not. */
    private static List<MeasurementSet> crossed(List<MeasurementSet> sets) {
        MeasurementSet newest = sets.getLast();
        MeasurementSet oldest = sets.getFirst();
        assertThat(oldest.keyProvider()).isNotEqualTo(newest.keyProvider());
        return List.of(new MeasurementSet("crossed", newest.mrtd(), newest.rtmr0(), newest.rtmr1(), newest.rtmr2(), oldest.keyProvider()),
                new MeasurementSet("other", oldest.mrtd(), oldest.rtmr0(), oldest.rtmr1(), oldest.rtmr2(), newest.keyProvider()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampers")
    void tamperingFailsExactlyTheNamedChecks(Tamper tamper) throws Exception {
        ObjectNode tree = MpcFixtures.newest().tree();
        MpcPolicy policy = tamper.policy().apply(Forge.ownPolicy(tree).withImageHashes(
                Set.of(Forge.payload(tree, "mpc-image-digest"), OTHER_IMAGE)));
        tamper.evidence().accept(tree);
        AppVerification v = MpcAppVerifier.verify(Forge.parse(tree), policy);
        assertThat(v.failures()).as("%s", v.checks()).extracting(Check::name)
                .containsExactlyInAnyOrderElementsOf(tamper.failed());
        assertThat(v.ok()).isFalse();
        assertThat(v.failures()).extracting(Check::detail).anyMatch(d -> d.contains(tamper.detail()));
        assertThat(v.checks()).extracting(Check::name).containsExactlyElementsOf(MpcAppVerifier.CHECK_NAMES);
    }
}
