package org.dstack4j.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MpcPolicyTest {
    private static final String A = "564a5aebc33495d5610626d23cb9e3da8e9d531d0edff9e38aa1ccaf059c15d3";
    private static final String B = "7c0ee6d08f253f7f890883ce4d64c387aab0d1a192a8a827f7db8cdf55a6a3b8";

    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        Path p = Files.createTempFile(dir, "policy", ".txt");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void imageHashesFromPlainTextWithCommentsPrefixesAndCase() throws Exception {
        Path f = file("# approved MPC images\n\nsha256:" + A + "   # current\r\n  " + B.toUpperCase() + "\nsha256:" + A + "\n");
        assertThat(MpcPolicy.imageHashesFrom(f)).containsExactly(A, B);
    }

    @Test
    void imageHashesFromAJsonArrayAndFromTheLaunchersImageDigestBin() throws Exception {
        assertThat(MpcPolicy.imageHashesFrom(file("[\"" + B + "\", \"sha256:" + A + "\"]"))).containsExactly(B, A);
        assertThat(MpcPolicy.imageHashesFrom(file("{\"approved_hashes\": [\"sha256:" + A + "\", \"sha256:" + B + "\"]}")))
                .containsExactly(A, B);
        assertThat(MpcPolicy.launcherComposeHashesFrom(file(A + "\n"))).containsExactly(A);
    }

    @Test
    void malformedHashListsNameTheLineOrIndex() throws Exception {
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(file(A + "\n\nsha256:abc\n")))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("line 3").hasMessageContaining("64 hex");
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(file("[\"" + A + "\", 7]")))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("$[1] must be a string");
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(file("{\"approved_hashes\": [\"" + A + "x\"]}")))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("approved_hashes[0]");
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(file("{\"approved\": []}")))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("no \"approved_hashes\"");
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(file("[\"" + A + "\"")))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("not valid JSON");
        Path big = dir.resolve("big");
        Files.write(big, new byte[PolicyJson.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(big)).isInstanceOf(PolicyFormatException.class)
                .hasMessageContaining("larger than");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "# only a comment\n\n", "[]", "{\"approved_hashes\": []}"})
    void anEmptyAllowListIsAnError(String text) throws Exception {
        Path f = file(text);
        assertThatThrownBy(() -> MpcPolicy.imageHashesFrom(f)).isInstanceOf(PolicyFormatException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining("no hashes");
    }

    @Test
    void policyNormalisesAndValidatesHashes() {
        MpcPolicy p = new MpcPolicy(Set.of("sha256:" + A.toUpperCase()), Set.of(B), List.of(), Optional.empty());
        assertThat(p.allowedImageHashes()).containsExactly(A);
        assertThatThrownBy(() -> new MpcPolicy(Set.of("sha256:" + A + "0"), Set.of(), List.of(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(MpcPolicy.normalizeHash(" SHA256:" + A + " ")).isEqualTo(A);
    }

    @Test
    void defaultMeasurementsAreTheDistinctSetsOfTheCaptures() throws Exception {
        List<MeasurementSet> sets = MeasurementSet.defaults();
        List<MpcFixtures.Fixture> fixtures = MpcFixtures.all();
        assertThat(sets).hasSize(fixtures.size()).doesNotHaveDuplicates();
        for (int i = 0; i < fixtures.size(); i++) {
            JsonNode tcb = fixtures.get(i).tcbInfo();
            MeasurementSet s = sets.get(i);
            assertThat(s.name()).contains(fixtures.get(i).date());
            assertThat(List.of(s.mrtd(), s.rtmr0(), s.rtmr1(), s.rtmr2())).containsExactly(tcb.get("mrtd").asText(),
                    tcb.get("rtmr0").asText(), tcb.get("rtmr1").asText(), tcb.get("rtmr2").asText());
            String payload = Forge.payload(fixtures.get(i).tree(), "key-provider");
            assertThat(KeyProvider.fromPayload(Forge.HEX.parseHex(payload))).contains(s.keyProvider());
        }
        // all captures share MRTD and RTMR0 but not RTMR1-2: each is a different OS image
        assertThat(sets).extracting(MeasurementSet::mrtd).containsOnly(sets.getFirst().mrtd());
        assertThat(sets).extracting(MeasurementSet::rtmr1).doesNotHaveDuplicates();
    }

    @Test
    void measurementSetsLoadFromTheirJsonFormsAndADstackTcbInfo() throws Exception {
        MeasurementSet d = MeasurementSet.defaults().getLast();
        String obj = "{\"name\":\"n\",\"mrtd\":\"" + d.mrtd() + "\",\"rtmr0\":\"" + d.rtmr0().toUpperCase() + "\",\"rtmr1\":\"" + d.rtmr1()
                + "\",\"rtmr2\":\"" + d.rtmr2() + "\",\"key_provider\":%s}";
        String kp = "{\"name\":\"" + d.keyProvider().name() + "\",\"id\":\"" + d.keyProvider().id() + "\"}";
        MeasurementSet expected = new MeasurementSet("n", d.mrtd(), d.rtmr0(), d.rtmr1(), d.rtmr2(), d.keyProvider());
        assertThat(MeasurementSet.load(file(obj.formatted(kp)))).containsExactly(expected);
        assertThat(MeasurementSet.load(file("[" + obj.formatted(kp) + "," + obj.formatted(kp) + "]"))).containsExactly(expected, expected);
        assertThat(MeasurementSet.load(file(obj.formatted(MpcFixtures.JSON.writeValueAsString(kp))))).containsExactly(expected);
        // a whole dstack tcb_info (as the MPC repository keeps them): registers plus its key-provider event
        Path tcb = file(MpcFixtures.newest().tcbInfo().toString());
        MeasurementSet fromTcb = MeasurementSet.load(tcb).getFirst();
        assertThat(fromTcb).isEqualTo(new MeasurementSet(fromTcb.name(), d.mrtd(), d.rtmr0(), d.rtmr1(), d.rtmr2(), d.keyProvider()));
        assertThat(fromTcb.withMrtd("00".repeat(48)).mrtd()).isEqualTo("00".repeat(48));
    }

    @Test
    void malformedMeasurementSetsNameTheEntryAndField() throws Exception {
        MeasurementSet d = MeasurementSet.defaults().getFirst();
        String good = "{\"mrtd\":\"" + d.mrtd() + "\",\"rtmr0\":\"" + d.rtmr0() + "\",\"rtmr1\":\"" + d.rtmr1() + "\",\"rtmr2\":\"" + d.rtmr2()
                + "\",\"key_provider\":{\"name\":\"local-sgx\",\"id\":\"00\"}}";
        assertThatThrownBy(() -> MeasurementSet.load(file("[" + good + "," + good.replace(d.rtmr1(), "abcd") + "]")))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("[1].rtmr1").hasMessageContaining("96 hex");
        assertThatThrownBy(() -> MeasurementSet.load(file(good.replace("\"rtmr2\"", "\"rtmr_2\""))))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("$.rtmr2");
        assertThatThrownBy(() -> MeasurementSet.load(file(good.replace("\"key_provider\"", "\"kp\""))))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("key_provider is required");
        assertThatThrownBy(() -> MeasurementSet.load(file(good.replace("\"id\":\"00\"", "\"id\":0"))))
                .isInstanceOf(PolicyFormatException.class).hasMessageContaining("key_provider must have string");
        assertThatThrownBy(() -> MeasurementSet.load(file("[]"))).isInstanceOf(PolicyFormatException.class)
                .hasMessageContaining("no measurement set");
        assertThatThrownBy(() -> MeasurementSet.load(file("7"))).isInstanceOf(PolicyFormatException.class);
    }

    @Test
    void keyProviderPayloadParsing() {
        assertThat(KeyProvider.fromJson("{\"name\":\"local-sgx\",\"id\":\"ab\"}")).contains(new KeyProvider("local-sgx", "ab"));
        assertThat(KeyProvider.fromJson("{\"name\":\"local-sgx\"}")).isEmpty();
        assertThat(KeyProvider.fromJson("not json")).isEmpty();
        assertThat(KeyProvider.fromJson("{\"name\":\"kms\",\"id\":\"a\",\"id\":\"b\"}")).isEmpty();
    }
}
