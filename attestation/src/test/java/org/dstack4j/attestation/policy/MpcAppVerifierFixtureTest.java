package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.attestation.evidence.NodeKeys;
import org.dstack4j.attestation.quote.TdxQuote;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every real capture passes every application check under the policy built from its own recorded values. */
class MpcAppVerifierFixtureTest {
    static List<MpcFixtures.Fixture> fixtures() {
        return MpcFixtures.all();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyCapturePassesEveryCheck(MpcFixtures.Fixture f) throws Exception {
        ObjectNode tree = f.tree();
        MpcPublicData evidence = f.parse();
        AppVerification v = MpcAppVerifier.verify(evidence, Forge.ownPolicy(tree));

        assertThat(v.failures()).as("failures of %s", f).isEmpty();
        assertThat(v.ok()).isTrue();
        assertThat(v.checks()).extracting(Check::name).containsExactlyElementsOf(MpcAppVerifier.CHECK_NAMES);

        // extracted values equal what the capture records, read independently of the verifier
        JsonNode tcb = f.tcbInfo();
        assertThat(v.mpcImageDigest()).contains(Forge.payload(tree, "mpc-image-digest"));
        assertThat(v.composeHash()).contains(tcb.get("compose_hash").asText()).contains(Forge.payload(tree, "compose-hash"));
        String launcher = MpcFixtures.JSON.readTree(tcb.get("app_compose").textValue()).get("docker_compose_file").textValue();
        assertThat(v.launcherComposeHash()).contains(Forge.sha256(launcher));
        byte[] quote = MpcFixtures.quoteOf(f.dstack());
        assertThat(v.reportDataHex()).isEqualTo(Forge.HEX.formatHex(Arrays.copyOfRange(quote, 568, 632)));
        // the launcher pins the same image it measured as DEFAULT_IMAGE_DIGEST in the measured compose
        assertThat(launcher).contains("DEFAULT_IMAGE_DIGEST=sha256:" + v.mpcImageDigest().orElseThrow());
    }

    @Test
    void newestCaptureExtractsThesePinnedValues() throws Exception {
        AppVerification v = MpcAppVerifier.verify(MpcFixtures.newest().parse(), Forge.ownPolicy(MpcFixtures.newest().tree()));
        assertThat(MpcFixtures.newest().date()).isEqualTo("2026-08-14");
        assertThat(v.ok()).isTrue();
        assertThat(v.mpcImageDigest()).contains("564a5aebc33495d5610626d23cb9e3da8e9d531d0edff9e38aa1ccaf059c15d3");
        assertThat(v.composeHash()).contains("2911e1f733466216dedb862d6d669e11256ee7a34ce4dbc66c4b807ba7a9c895");
        assertThat(v.launcherComposeHash()).contains("615b9ee0e77ea5c3f914f7539490feae04f7a679055435f440e95699f3fb4d28");
        assertThat(v.reportDataHex()).isEqualTo("0001e4faaedae8199148eb0fe1cc9a52ecbb09045014a11342b85ed8bd727a03ce"
                + "b03ccb16857e2ba693145050f84cb2f7580000000000000000000000000000");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void reportDataIsVersion1OverTheBase58Keys(MpcFixtures.Fixture f) throws Exception {
        MpcPublicData d = f.parse();
        byte[] inQuote = TdxQuote.parse(d.quote()).tdReport().reportData();
        assertThat(MpcReportData.v1(d.keys().orElseThrow())).isEqualTo(inQuote);
        assertThat(MpcReportData.version(inQuote)).isEqualTo(1);
        // the order p2p ‖ signer matters: the other order does not match
        NodeKeys swapped = new NodeKeys(d.keys().get().p2p(), d.keys().get().signer());
        assertThat(MpcReportData.v1(swapped)).isNotEqualTo(inQuote);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void eachCaptureMatchesExactlyItsOwnDefaultMeasurementSet(MpcFixtures.Fixture f) throws Exception {
        var report = TdxQuote.parse(f.parse().quote()).tdReport();
        List<MeasurementSet> hits = MeasurementChecks.matching(report, Forge.ownPolicy(f.tree()));
        assertThat(hits).hasSize(1);
        assertThat(hits.getFirst().name()).contains(f.date());
    }

    @Test
    void anotherCapturesImageIsNotAllowedUnderThisPolicy() throws Exception {
        MpcFixtures.Fixture older = MpcFixtures.all().getFirst();
        MpcFixtures.Fixture newest = MpcFixtures.newest();
        AppVerification v = MpcAppVerifier.verify(older.parse(), Forge.ownPolicy(newest.tree())
                .withLauncherComposeHashes(Forge.ownPolicy(older.tree()).allowedLauncherComposeHashes()));
        assertThat(v.failures()).extracting(Check::name).containsExactly(MpcAppVerifier.MPC_IMAGE_DIGEST);
    }

    @Test
    void partsWithGetQuoteBlankedDigestsVerifyWithExpectedKeys() throws Exception {
        MpcFixtures.Fixture f = MpcFixtures.newest();
        ObjectNode tree = f.tree();
        ArrayNode log = Forge.log(tree);
        for (JsonNode e : log) {
            // GetQuote blanks RTMR3 digests and RTMR0-2 payloads
            if (e.get("imr").asInt() == 3) ((ObjectNode) e).put("digest", "");
            else ((ObjectNode) e).put("event_payload", "");
        }
        byte[] quote = MpcFixtures.quoteOf(f.dstack());
        String app = f.tcbInfo().get("app_compose").textValue();
        MpcPublicData parts = MpcPublicData.fromParts(quote, MpcFixtures.bytes(
                MpcFixtures.JSON.createObjectNode().put("event_log", log.toString())), Optional.of(app), Optional.empty());
        MpcPolicy policy = Forge.ownPolicy(tree);
        NodeKeys keys = f.parse().keys().orElseThrow();

        AppVerification withKeys = MpcAppVerifier.verify(parts, policy.withExpectedKeys(keys));
        assertThat(withKeys.failures()).isEmpty();
        assertThat(withKeys.mpcImageDigest()).contains(Forge.payload(tree, "mpc-image-digest"));

        // fail closed: no keys anywhere, no app_compose
        assertThat(MpcAppVerifier.verify(parts, policy).failures()).extracting(Check::name)
                .containsExactly(MpcAppVerifier.REPORT_DATA);
        MpcPublicData noCompose = MpcPublicData.fromParts(quote, MpcFixtures.bytes(log), Optional.empty(), Optional.empty());
        assertThat(MpcAppVerifier.verify(noCompose, policy.withExpectedKeys(keys)).failures()).extracting(Check::name)
                .containsExactly(MpcAppVerifier.COMPOSE_HASH, MpcAppVerifier.APP_COMPOSE_FIELDS, MpcAppVerifier.APP_COMPOSE_SETTINGS,
                        MpcAppVerifier.LAUNCHER_COMPOSE_HASH);
    }

    @Test
    void anUnparseableQuoteIsOneFailedCheck() throws Exception {
        ObjectNode tree = MpcFixtures.newest().tree();
        ((ArrayNode) Forge.dstack(tree).get("quote")).set(0, 3); // version 3
        AppVerification v = MpcAppVerifier.verify(Forge.parse(tree), Forge.ownPolicy(tree));
        assertThat(v.ok()).isFalse();
        assertThat(v.checks()).extracting(Check::name).containsExactly(MpcAppVerifier.QUOTE_FORMAT);
    }

    @Test
    void okMustAgreeWithTheChecks() {
        List<Check> passing = List.of(Check.pass("a", "x"));
        assertThat(AppVerification.of(passing, Optional.empty(), Optional.empty(), Optional.empty(), "").ok()).isTrue();
        assertThat(AppVerification.of(List.of(), Optional.empty(), Optional.empty(), Optional.empty(), "").ok()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AppVerification(List.of(Check.fail("a", "x")),
                Optional.empty(), Optional.empty(), Optional.empty(), "", true)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Set.copyOf(MpcAppVerifier.CHECK_NAMES)).hasSize(MpcAppVerifier.CHECK_NAMES.size());
    }
}
