package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import org.dstack4j.near.mpc.AllowedImage;
import org.dstack4j.near.mpc.ContractPolicy;
import org.dstack4j.near.mpc.ContractVersion;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.rpc.NearError;
import org.dstack4j.near.rpc.NearRpc;
import org.dstack4j.near.rpc.NearRpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The views over NEAR's JSON-RPC, against {@link NearRpcDouble}. */
class MpcContractTest {
    static final String A = "aa".repeat(32), B = "bb".repeat(32);
    NearRpcDouble near;
    NearRpc rpc;
    MpcContract contract;

    @BeforeEach
    void start() throws Exception {
        near = new NearRpcDouble();
        rpc = new NearRpc(near.url(), Duration.ofSeconds(10), 64 * 1024); // calls that must succeed: room for a loaded machine
        contract = new MpcContract(rpc, "v1.signer");
    }

    @AfterEach
    void stop() {
        rpc.close();
        near.close();
    }

    @Test
    void viewIsAQueryCallFunctionWithBase64ArgumentsAtFinalFinality() throws Exception {
        near.answer("get_attestation", "null");
        assertThat(contract.attestation("ed25519:DxJL5zVyeK52DeDrPkvHFTZeSmjQ9fXSXCcnJ7gfL9RZ").isNull()).isTrue();
        JsonNode req = near.requests().get(0);
        assertThat(req.get("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(req.get("method").asText()).isEqualTo("query");
        JsonNode p = req.get("params");
        assertThat(p.get("request_type").asText()).isEqualTo("call_function");
        assertThat(p.get("finality").asText()).isEqualTo("final");
        assertThat(p.get("account_id").asText()).isEqualTo("v1.signer");
        assertThat(p.get("method_name").asText()).isEqualTo("get_attestation");
        assertThat(new String(Base64.getDecoder().decode(p.get("args_base64").asText())))
                .isEqualTo("{\"tls_public_key\":\"ed25519:DxJL5zVyeK52DeDrPkvHFTZeSmjQ9fXSXCcnJ7gfL9RZ\"}");
    }

    @Test
    void allowedImagesInBothShapes() throws Exception {
        near.answer("allowed_docker_image_hashes", "[{\"image_hash\":\"" + A + "\",\"expiry_timestamp_seconds\":null},"
                + "{\"image_hash\":\"" + B + "\",\"expiry_timestamp_seconds\":1790000000}]");
        assertThat(contract.allowedImages()).containsExactly(new AllowedImage(A, OptionalLong.empty()), new AllowedImage(B, OptionalLong.of(1790000000)));
        near.answer("allowed_docker_image_hashes", "[\"" + B + "\",\"" + A + "\"]");
        assertThat(contract.allowedImages()).extracting(AllowedImage::digest).containsExactly("sha256:" + B, "sha256:" + A);
        near.answer("allowed_docker_image_hashes", "[{\"hash\":\"" + A + "\"}]");
        assertThatThrownBy(contract::allowedImages).hasMessageContaining("allowed_docker_image_hashes[0] is neither");
    }

    @Test
    void thePolicyKeepsTheContractsImageOrder() throws Exception {
        List<String> digests = java.util.stream.IntStream.range(0, 12).mapToObj(i -> String.format("%02x", 0xf0 - i * 7).repeat(32)).toList();
        near.answer("allowed_docker_image_hashes", JSON_LIST.apply(digests)).answer("allowed_launcher_image_hashes", "[\"" + B + "\",\"" + A + "\"]")
                .answer("allowed_launcher_compose_hashes", "[\"" + B + "\",\"" + A + "\"]").answer("allowed_os_measurements", "[]");
        ContractPolicy p = ContractPolicy.read(contract);
        assertThat(p.images()).containsExactlyElementsOf(digests);
        assertThat(p.launcherImages()).containsExactly(B, A);
        assertThat(p.launcherCompose()).containsExactly(B, A);
        assertThatThrownBy(() -> p.images().add(A)).isInstanceOf(UnsupportedOperationException.class);
    }

    private static final java.util.function.Function<List<String>, String> JSON_LIST =
            l -> "[" + String.join(",", l.stream().map(d -> "\"" + d + "\"").toList()) + "]";

    @Test
    void otherViews() throws Exception {
        near.answer("allowed_launcher_image_hashes", "[\"" + A + "\"]").answer("allowed_launcher_compose_hashes", "[\"" + B + "\"]")
                .answer("version", "\"3.14.1\"").answer("allowed_os_measurements", "[]").answer("get_tee_accounts", "[]")
                .answer("state", "{\"Running\":{}}");
        assertThat(contract.allowedLauncherImages()).containsExactly(A);
        assertThat(contract.allowedLauncherComposeHashes()).containsExactly(B);
        assertThat(contract.version()).isEqualTo(new ContractVersion(3, 14, 1));
        assertThat(contract.allowedOsMeasurements().isArray()).isTrue();
        assertThat(contract.teeAccounts().isArray()).isTrue();
        assertThat(contract.state().has("Running")).isTrue();
        near.answer("allowed_launcher_compose_hashes", "[\"nothex\"]");
        assertThatThrownBy(contract::allowedLauncherComposeHashes).hasMessageContaining("entry 0 is not 64 hex");
    }

    @ParameterizedTest
    @EnumSource(NearRpcDouble.PanicStyle.class)
    void aContractPanicIsOneClearErrorInEitherForm(NearRpcDouble.PanicStyle style) {
        near.panicStyle = style;
        near.panic("state", "contract is not initialized\u001b[31m");
        assertThatThrownBy(contract::state).isInstanceOfSatisfying(NearRpcException.class, e -> {
            assertThat(e.error()).isInstanceOf(NearError.ContractError.class);
            assertThat(e.getMessage()).startsWith("contract v1.signer failed in state: ").contains("Smart contract panicked: contract is not initialized")
                    .doesNotContain("\u001b");
        });
        // a view an older contract lacks
        assertThatThrownBy(() -> contract.allowedLauncherImages()).hasMessageContaining("MethodNotFound");
    }

    @Test
    void outagesTimeoutsAndOversizedAnswersAreNamed() throws Exception {
        near.answer("version", "\"3.12.0\"");
        near.down = true;
        assertThatThrownBy(contract::version).hasMessageContaining("answered view version with HTTP 503");
        near.down = false;
        near.padAnswerBytes = 70 * 1024;
        assertThatThrownBy(contract::version).isInstanceOfSatisfying(NearRpcException.class,
                e -> assertThat(e.error()).isInstanceOf(NearError.TooLarge.class));
        near.padAnswerBytes = 0;
        near.delayMillis = 30_000; // far beyond the 2 s deadline, so a timer that fires late on a loaded machine still fires first
        try (NearRpc impatient = new NearRpc(near.url(), Duration.ofSeconds(2), 64 * 1024)) {
            assertThatThrownBy(new MpcContract(impatient, "v1.signer")::version).hasMessageContaining("did not answer view version within 2000 ms");
        }
        near.delayMillis = 0;
        int port = near.url().getPort();
        near.close();
        try (NearRpc gone = new NearRpc(java.net.URI.create("http://127.0.0.1:" + port + "/key-in-path"), Duration.ofSeconds(2), 1024)) {
            assertThatThrownBy(() -> new MpcContract(gone, "v1.signer").version()).hasMessageContaining("unreachable for view version")
                    .message().doesNotContain("key-in-path");
        }
    }
}
