package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the MPC contract accepts in app-compose, the verifier accepts too (the rejections are in
 * {@link TamperTest}): fields that default to the safe value may be absent, optional ones may be null, and
 * the fields dstack emits that carry no MPC setting pass whatever their value.
 */
class AppComposeContractTest {
    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("kms_enabled absent (defaults to false)", "\"kms_enabled\": false,", ""),
                Arguments.of("allowed_envs absent (defaults to empty)", "\"allowed_envs\": [],", ""),
                Arguments.of("tproxy_enabled false beside gateway_enabled false", "\"gateway_enabled\": false",
                        "\"gateway_enabled\": false, \"tproxy_enabled\": false"),
                Arguments.of("tproxy_enabled null", "\"gateway_enabled\": false", "\"gateway_enabled\": false, \"tproxy_enabled\": null"),
                Arguments.of("scripts null", "\"secure_time\": false",
                        "\"secure_time\": false, \"pre_launch_script\": null, \"init_script\": null, \"bash_script\": null"),
                Arguments.of("key_provider_id null", "\"key_provider_id\": \"\"", "\"key_provider_id\": null"),
                Arguments.of("every inert field dstack 0.5.x may emit", "\"secure_time\": false",
                        "\"secure_time\": true, \"features\": [\"kms\"], \"public_tcbinfo\": true, \"key_provider\": \"local\","
                                + " \"storage_fs\": \"zfs\", \"swap_size\": 0, \"port_policy\": {\"x\": [1]}, \"docker_config\": null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void acceptedLikeTheContract(String name, String from, String to) throws Exception {
        ObjectNode tree = MpcFixtures.newest().tree();
        String text = Forge.appCompose(tree);
        assertThat(text).as("the edit applies").contains(from);
        String edited = text.replace(from, to);
        Forge.setAppCompose(tree, edited);
        AppVerification v = MpcAppVerifier.verify(Forge.parse(tree), Forge.ownPolicy(tree));
        assertThat(v.failures()).as("%s", edited).isEmpty();
        assertThat(v.check(MpcAppVerifier.APP_COMPOSE_FIELDS).orElseThrow().ok()).isTrue();
    }

    @Test
    void everyRealCaptureAndOperatorVectorParsesAsTheContractsAppCompose() throws Exception {
        for (MpcFixtures.Fixture f : MpcFixtures.all()) {
            JsonNode doc = MpcFixtures.JSON.readTree(f.tcbInfo().get("app_compose").textValue());
            assertThat(AppComposeSchema.problems(doc)).as(f.date()).isEmpty();
            assertThat(new AppComposeChecks(java.util.Optional.of(f.tcbInfo().get("app_compose").textValue())).settingsCheck().ok())
                    .as(f.date()).isTrue();
        }
        JsonNode vectors = MpcFixtures.JSON.readTree(MpcFixtures.root().resolveSibling("operator").resolve("vectors.json").toFile());
        for (JsonNode v : vectors.get("app_compose_vectors")) {
            AppComposeChecks c = new AppComposeChecks(java.util.Optional.of(v.get("app_compose").textValue()));
            assertThat(List.of(c.fieldsCheck(), c.settingsCheck())).allMatch(Check::ok);
        }
    }

    @Test
    void everyRequiredFieldIsNamedWhenMissing() throws Exception {
        ObjectNode doc = (ObjectNode) MpcFixtures.JSON.readTree(Forge.appCompose(MpcFixtures.newest().tree()));
        List<String> required = AppComposeSchema.FIELDS.entrySet().stream().filter(e -> e.getValue().required()).map(e -> e.getKey()).toList();
        assertThat(required).containsExactlyInAnyOrder("manifest_version", "name", "runner", "docker_compose_file", "public_logs",
                "public_sysinfo", "local_key_provider_enabled", "no_instance_id");
        for (String field : required) {
            ObjectNode without = doc.deepCopy();
            without.remove(field);
            assertThat(AppComposeSchema.problems(without)).containsExactly(field + " is missing");
        }
    }

    @Test
    void manyUnknownFieldsAreCountedNotAllListed() throws Exception {
        ObjectNode doc = (ObjectNode) MpcFixtures.JSON.readTree(Forge.appCompose(MpcFixtures.newest().tree()));
        for (int i = 0; i < 1000; i++) doc.put("extra" + i, i);
        doc.put("x".repeat(500), 1);
        List<String> problems = AppComposeSchema.problems(doc);
        assertThat(problems).hasSize(1);
        assertThat(problems.getFirst()).contains("\"extra0\"", "\"extra4\"", "and 996 more").doesNotContain("extra5\"").hasSizeLessThan(400);
    }

    @Test
    void negativeAndHugeManifestVersionsAreNotU32() throws Exception {
        ObjectNode doc = (ObjectNode) MpcFixtures.JSON.readTree(Forge.appCompose(MpcFixtures.newest().tree()));
        for (String v : List.of("-1", "4294967296", "99999999999999999999999")) {
            doc.set("manifest_version", MpcFixtures.JSON.readTree(v));
            assertThat(AppComposeSchema.problems(doc)).as(v).containsExactly("manifest_version must be an unsigned 32-bit integer, got number");
        }
        doc.set("manifest_version", MpcFixtures.JSON.readTree("4294967295"));
        assertThat(AppComposeSchema.problems(doc)).isEmpty();
    }
}
