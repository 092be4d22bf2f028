package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.dstack4j.near.mpc.ContractVersion;
import org.dstack4j.near.mpc.Vote;
import org.dstack4j.near.mpc.Votes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VotesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CAROL_TLS = "ed25519:4Mvu4RTHdhXB2rquvmLo3FkP7KRd6ARe78tLNAvMGDKT";

    static String resource(String name) throws IOException {
        try (InputStream in = VotesTest.class.getResourceAsStream("/mpc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.11.0", "3.12.0", "3.14.0"})
    void newParticipantHasThatVersionsShapeByteForByte(String version) throws IOException {
        JsonNode state = JSON.readTree(resource("running-state.json"));
        Vote v = Votes.newParticipant(state, ContractVersion.parse(version), "carol.near", "https://carol.example:80", CAROL_TLS, OptionalLong.empty());
        String golden = resource("vote_new_parameters-" + version.substring(0, 4) + ".json");
        assertThat(v.method()).isEqualTo("vote_new_parameters");
        assertThat(v.argsJson()).isEqualTo(golden);
    }

    @Test
    void versionsBeforeAndFrom312DifferInShape() {
        assertThat(ContractVersion.parse("3.11.2").proposalShape()).isEqualTo(ContractVersion.ProposalShape.FLAT);
        assertThat(ContractVersion.parse("3.12.0").proposalShape()).isEqualTo(ContractVersion.ProposalShape.NESTED);
        assertThat(ContractVersion.parse("3.14.1").proposalShape()).isEqualTo(ContractVersion.ProposalShape.NESTED);
        assertThat(ContractVersion.parse("4.0.0-rc.1")).isEqualTo(new ContractVersion(4, 0, 0));
        assertThatThrownBy(() -> ContractVersion.parse("three")).hasMessageContaining("MAJOR.MINOR.PATCH");
    }

    @Test
    void newParticipantRefusesWhatTheContractWouldRefuseOrWhatIsAmbiguous() throws IOException {
        JsonNode state = JSON.readTree(resource("running-state.json"));
        ContractVersion v = ContractVersion.parse("3.14.0");
        assertThatThrownBy(() -> Votes.newParticipant(state, v, "bob.near", "https://b:80", CAROL_TLS, OptionalLong.empty()))
                .hasMessageContaining("bob.near is already a participant (id 2)");
        assertThatThrownBy(() -> Votes.newParticipant(state, v, "carol.near", "https://c:80",
                "ed25519:DxJL5zVyeK52DeDrPkvHFTZeSmjQ9fXSXCcnJ7gfL9RZ", OptionalLong.empty())).hasMessageContaining("alice.near's");
        assertThatThrownBy(() -> Votes.newParticipant(state, v, "carol.near", "https://c:80", CAROL_TLS, OptionalLong.of(4)))
                .hasMessageContaining("threshold 4 must be at least 2 and at most the 3 participants");
        assertThatThrownBy(() -> Votes.newParticipant(state, v, "Carol!", "https://c:80", CAROL_TLS, OptionalLong.empty()))
                .hasMessageContaining("not a NEAR account id");
        assertThatThrownBy(() -> Votes.newParticipant(state, v, "carol.near", "ftp://c", CAROL_TLS, OptionalLong.empty()))
                .hasMessageContaining("http(s)");
        assertThatThrownBy(() -> Votes.newParticipant(state, v, "carol.near", "https://c:80", "ed25519:abc", OptionalLong.empty()))
                .hasMessageContaining("TLS key is not ed25519");
        JsonNode resharing = JSON.readTree("{\"Resharing\":{}}");
        assertThatThrownBy(() -> Votes.newParticipant(resharing, v, "carol.near", "https://c:80", CAROL_TLS, OptionalLong.empty()))
                .hasMessageContaining("not Running (state: Resharing)");
        Vote t3 = Votes.newParticipant(state, v, "carol.near", "https://c:80", CAROL_TLS, OptionalLong.of(3));
        assertThat(t3.args().at("/proposal/parameters/threshold").asLong()).isEqualTo(3);
    }

    @Test
    void hashVotesTakeBareOrPrefixedDigests() {
        String hex = "ab".repeat(32);
        assertThat(Votes.codeHash("sha256:" + hex).argsJson()).isEqualTo("{\"code_hash\":\"" + hex + "\"}");
        assertThat(Votes.launcherHash(hex).argsJson()).isEqualTo("{\"launcher_hash\":\"" + hex + "\"}");
        assertThatThrownBy(() -> Votes.codeHash("AB".repeat(32))).hasMessageContaining("image digest is not 64 lowercase hex");
    }

    @Test
    void osMeasurementIsMeasuresJsonWithoutEvents() throws IOException {
        String h = "0a".repeat(48);
        JsonNode measure = JSON.readTree("{\"mrtd\":\"" + h + "\",\"rtmr0\":\"" + h + "\",\"rtmr1\":\"" + h + "\",\"rtmr2\":\"" + h
                + "\",\"key_provider_event_digest\":\"" + h + "\",\"events\":[]}");
        Vote v = Votes.osMeasurement(measure);
        assertThat(v.method()).isEqualTo("vote_add_os_measurement");
        assertThat(v.args().get("measurement").size()).isEqualTo(5);
        assertThat(v.args().at("/measurement/events").isMissingNode()).isTrue();
        ((com.fasterxml.jackson.databind.node.ObjectNode) measure).remove("key_provider_event_digest");
        assertThatThrownBy(() -> Votes.osMeasurement(measure)).hasMessageContaining("--key-provider");
    }

    @Test
    void nearCommandQuotesTheArgumentsForTheShell() {
        Vote v = new Vote("vote_x", JSON.createObjectNode().put("s", "it's"));
        assertThat(v.nearCommand("v1.signer", "alice.near", "mainnet")).isEqualTo(
                "near contract call-function as-transaction v1.signer vote_x json-args '{\"s\":\"it'\\''s\"}' prepaid-gas '300.0 Tgas' "
                        + "attached-deposit '0 NEAR' sign-as alice.near network-config mainnet sign-with-keychain send");
    }
}
