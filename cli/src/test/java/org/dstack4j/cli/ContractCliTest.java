package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.dstack4j.launcher.selection.ApprovedHashes;
import org.dstack4j.near.NearRpcDouble;
import org.dstack4j.attestation.evidence.Base58;
import org.dstack4j.near.tx.Ed25519Key;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dstack4j contract} and {@code watch-approved --once} against the NEAR RPC test double. */
class ContractCliTest {
    static final String A = "aa".repeat(32), B = "bb".repeat(32);
    static final String STATE = "{\"Running\":{\"keyset\":{\"epoch_id\":7,\"domains\":[]},\"parameters\":{\"participants\":{\"next_id\":2,"
            + "\"participants\":[[\"alice.near\",0,{\"url\":\"https://a:80\",\"tls_public_key\":\"ed25519:DxJL5zVyeK52DeDrPkvHFTZeSmjQ9fXSXCcnJ7gfL9RZ\"}],"
            + "[\"bob.near\",1,{\"url\":\"https://b:80\",\"tls_public_key\":\"ed25519:7D8t8prJbyxk9CMz3LZ3DyMEU3M5jq2mhRY2eL3F1YRv\"}]]},\"threshold\":2}}}";
    @TempDir
    Path tmp;
    NearRpcDouble near;

    @BeforeEach
    void start() throws Exception {
        near = new NearRpcDouble();
    }

    @AfterEach
    void stop() {
        near.close();
    }

    CliRun run(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--near-rpc";
        all[args.length + 1] = near.url().toString();
        all[args.length + 2] = "--contract";
        all[args.length + 3] = "v1.signer";
        return CliRun.of(all);
    }

    @Test
    void viewsPrintTheContractsAnswer() {
        near.answer("allowed_docker_image_hashes", "[{\"image_hash\":\"" + A + "\",\"expiry_timestamp_seconds\":1790000000},"
                + "{\"image_hash\":\"" + B + "\",\"expiry_timestamp_seconds\":null}]").answer("version", "\"3.12.0\"");
        CliRun r = run("contract", "allowed-images");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("sha256:" + A + " expires 2026-09-21T14:13:20Z\nsha256:" + B + "\n");
        assertThat(run("contract", "allowed-images", "--output", "json").out()).contains("\"expiry_timestamp_seconds\" : null");
        assertThat(run("contract", "version").out()).isEqualTo("3.12.0 (vote_new_parameters takes the nested proposal)\n");
    }

    @Test
    void errorsAreOneLineWithTheirExitStatus() {
        near.panic("state", "not initialized");
        CliRun r = run("contract", "state");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err().lines()).singleElement().asString().startsWith("dstack4j contract: contract v1.signer failed in state:")
                .contains("not initialized");
        CliRun bad = CliRun.of("contract", "state", "--near-rpc", "ftp://x", "--contract", "v1.signer");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("dstack4j contract: --near-rpc must be an http:// or https:// URL with a host\n");
        assertThat(run("contract", "vote-code-hash", "xyz").err()).contains("image digest is not 64 lowercase hex");
    }

    @Test
    void aVoteWithoutKeyPrintsArgumentsAndTheNearCommand() {
        near.answer("version", "\"3.11.0\"").answer("state", STATE);
        CliRun r = run("contract", "vote-new-participant", "--account", "carol.near", "--url", "https://c:80",
                "--tls-public-key", "ed25519:4Mvu4RTHdhXB2rquvmLo3FkP7KRd6ARe78tLNAvMGDKT", "--signer", "alice.near");
        assertThat(r.status()).as(r.err()).isZero();
        String args = "{\"prospective_epoch_id\":8,\"proposal\":{\"participants\":{\"next_id\":3,\"participants\":["
                + "[\"alice.near\",0,{\"url\":\"https://a:80\",\"tls_public_key\":\"ed25519:DxJL5zVyeK52DeDrPkvHFTZeSmjQ9fXSXCcnJ7gfL9RZ\"}],"
                + "[\"bob.near\",1,{\"url\":\"https://b:80\",\"tls_public_key\":\"ed25519:7D8t8prJbyxk9CMz3LZ3DyMEU3M5jq2mhRY2eL3F1YRv\"}],"
                + "[\"carol.near\",2,{\"url\":\"https://c:80\",\"tls_public_key\":\"ed25519:4Mvu4RTHdhXB2rquvmLo3FkP7KRd6ARe78tLNAvMGDKT\"}]]},\"threshold\":2}}";
        assertThat(r.field("contract:")).isEqualTo("version 3.11.0, flat proposal");
        assertThat(r.field("arguments:")).isEqualTo(args);
        assertThat(r.field("near CLI:")).isEqualTo("near contract call-function as-transaction v1.signer vote_new_parameters json-args '"
                + args + "' prepaid-gas '300.0 Tgas' attached-deposit '0 NEAR' sign-as alice.near network-config mainnet sign-with-keychain send");
        assertThat(r.out()).contains("not sent (no --key-file)");
        assertThat(near.sent()).isEmpty();
    }

    @Test
    void aVoteWithAKeyFileIsSignedAndSent() throws Exception {
        byte[] seed = new byte[32];
        seed[0] = 9;
        Ed25519Key key = Ed25519Key.parse("ed25519:" + Base58.encode(seed));
        String secret = "ed25519:" + Base58.encode(seed);
        Path keyFile = tmp.resolve("alice.near.json");
        Files.writeString(keyFile, "{\"account_id\":\"alice.near\",\"public_key\":\"" + key.publicKeyText() + "\",\"private_key\":\"" + secret + "\"}");
        near.accessKey("alice.near", key.publicKeyText(), 5);
        Path m = tmp.resolve("m.json");
        String h = "0b".repeat(48);
        Files.writeString(m, "{\"mrtd\":\"" + h + "\",\"rtmr0\":\"" + h + "\",\"rtmr1\":\"" + h + "\",\"rtmr2\":\"" + h + "\",\"key_provider_event_digest\":\"" + h + "\"}");
        CliRun r = run("contract", "vote-os-measurement", m.toString(), "--key-file", keyFile.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.field("sent:")).matches("transaction \\w+ by alice.near, final");
        assertThat(r.out() + r.err()).doesNotContain(secret.substring(8));
        assertThat(near.sent()).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("vote_add_os_measurement");
            assertThat(c.args().at("/measurement/rtmr2").asText()).isEqualTo(h);
            assertThat(c.nonce()).isEqualTo(6);
        });
    }

    @Test
    void watchApprovedOnceWritesTheLaunchersFile() throws Exception {
        Path file = tmp.resolve("image-digest.bin");
        near.answer("allowed_docker_image_hashes", "[\"" + B + "\",\"" + A + "\"]");
        CliRun r = run("watch-approved", "--once", "--file", file.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(ApprovedHashes.load(file, Optional.empty()).digests()).extracting(Object::toString).containsExactly("sha256:" + B, "sha256:" + A);
        assertThat(run("watch-approved", "--once", "--file", file.toString()).err()).contains("is current");
        near.answer("allowed_docker_image_hashes", "[]");
        CliRun empty = run("watch-approved", "--once", "--file", file.toString());
        assertThat(empty.status()).isEqualTo(1);
        assertThat(empty.err()).contains("approves no image");
        assertThat(new ObjectMapper().readTree(file.toFile()).get("approved_hashes").size()).isEqualTo(2);
        near.answer("allowed_docker_image_hashes", "[\"" + A + "\"]");
        CliRun unwritable = run("watch-approved", "--once", "--file", file.resolve("x").toString());
        assertThat(unwritable.status()).isEqualTo(1);
        assertThat(unwritable.err()).startsWith("dstack4j watch-approved: cannot write " + file.resolve("x")).contains("the launcher keeps the old list");
        near.down = true;
        assertThat(run("watch-approved", "--once", "--file", file.toString()).err()).contains("HTTP 503");
        assertThat(run("watch-approved", "--interval", "0", "--file", file.toString()).status()).isEqualTo(2);
    }
}
