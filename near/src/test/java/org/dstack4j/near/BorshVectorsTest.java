package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.near.tx.Action;
import org.dstack4j.attestation.evidence.Base58;
import org.dstack4j.near.tx.Borsh;
import org.dstack4j.near.tx.Ed25519Key;
import org.dstack4j.near.tx.SignedTransaction;
import org.dstack4j.near.tx.Transaction;
import org.junit.jupiter.api.Test;

/** The borsh and Ed25519 vectors of near-api-js's serialize tests (fixtures/operator/vectors.json), byte for byte. */
class BorshVectorsTest {
    static JsonNode vectors() throws Exception {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path v = p.resolve("fixtures/operator/vectors.json");
            if (Files.isRegularFile(v)) return new ObjectMapper().readTree(v.toFile()).get("near_borsh_vectors_from_near_api_js");
        }
        throw new IllegalStateException("fixtures/operator/vectors.json not found");
    }

    /** The transfer of near-api-js's test: test.near → whatever.near, nonce 1, 1 yoctoNEAR, its block hash. */
    static Transaction transfer(Ed25519Key key) {
        byte[] blockHash = Base58.decode("244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM");
        return new Transaction("test.near", key.publicKey(), 1, "whatever.near", blockHash, List.of(new Action.Transfer(BigInteger.ONE)));
    }

    @Test
    void transferTransactionIsTheVectorsBytes() throws Exception {
        JsonNode v = vectors();
        Ed25519Key key = Ed25519Key.parse(v.get("signing_key").asText());
        assertThat(HexFormat.of().formatHex(transfer(key).borsh())).isEqualTo(v.get("transfer_tx_hex").asText());
    }

    @Test
    void signatureAndSignedTransactionAreTheVectors() throws Exception {
        JsonNode v = vectors();
        Ed25519Key key = Ed25519Key.parse(v.get("signing_key").asText());
        SignedTransaction signed = transfer(key).sign(key);
        assertThat(Base64.getEncoder().encodeToString(signed.signature())).isEqualTo(v.get("signature_b64").asText());
        assertThat(HexFormat.of().formatHex(signed.borsh())).isEqualTo(v.get("signed_tx_hex").asText());
    }

    /**
     * near-api-js's "serialize and sign multi-action tx": every action kind, signer test.near with its test key, receiver
     * "123", nonce 1; its transaction hash (base58) is the vector's.
     */
    @Test
    void multiActionTransactionHashIsTheVectors() throws Exception {
        Ed25519Key key = Ed25519Key.parse("ed25519:2wyRcSwSuHtRVmkMCGjPwnzZmQLeXLzLLyED1NDMt4BjnKgQL6tF85yBx6Jr26D2dUNeC716RBoTxntVHsegogYw");
        byte[] pk = key.publicKey();
        byte[] code = {1, 2, 3};
        List<Action> actions = List.of(new Action.CreateAccount(), new Action.DeployContract(code),
                new Action.FunctionCall("qqq", code, 1000, BigInteger.valueOf(1_000_000)), new Action.Transfer(BigInteger.valueOf(123)),
                new Action.Stake(BigInteger.valueOf(1_000_000), pk),
                new Action.AddKey(pk, java.util.Optional.of("zzz"), List.of("www"), java.util.Optional.empty()),
                new Action.DeleteKey(pk), new Action.DeleteAccount("123"));
        Transaction tx = new Transaction("test.near", pk, 1, "123", Base58.decode("244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM"), actions);
        assertThat(Base58.encode(tx.hash())).isEqualTo(vectors().get("multi_action_tx_hash_b58").asText());
    }

    @Test
    void base58RoundTripsAndKeepsLeadingZeros() {
        byte[] b = {0, 0, 1, 2, (byte) 0xff};
        assertThat(Base58.decode(Base58.encode(b))).containsExactly(b);
        assertThat(Base58.encode(new byte[] {0, 0})).isEqualTo("11");
        assertThatThrownBy(() -> Base58.decode("abc0")).hasMessageContaining("invalid base58 character at position 3");
    }

    @Test
    void borshIntegersAreLittleEndianAndChecked() {
        assertThat(new Borsh().u32(1).u64(-1L).u128(BigInteger.TWO.pow(127)).toByteArray()).containsExactly(
                HexFormat.of().parseHex("01000000" + "ffffffffffffffff" + "00000000000000000000000000000080"));
        assertThatThrownBy(() -> new Borsh().u128(BigInteger.TWO.pow(128))).hasMessageContaining("u128");
        assertThatThrownBy(() -> new Borsh().u8(256)).hasMessageContaining("u8");
    }

    @Test
    void keysAreCheckedAndNeverPrinted() throws Exception {
        String text = vectors().get("signing_key").asText();
        Ed25519Key key = Ed25519Key.parse(text);
        assertThat(key.toString()).doesNotContain(text.substring(8)).startsWith("Ed25519Key[ed25519:");
        // a 64-byte form whose public half belongs to another seed
        byte[] raw = Base58.decode(text.substring(8));
        raw[40] ^= 1;
        assertThatThrownBy(() -> Ed25519Key.parse("ed25519:" + Base58.encode(raw))).hasMessageContaining("does not match")
                .message().doesNotContain(Base58.encode(raw));
        assertThatThrownBy(() -> Ed25519Key.parse("secp256k1:abc")).hasMessageContaining("ed25519:");
        // the seed alone gives the same key
        assertThat(Ed25519Key.parse("ed25519:" + Base58.encode(java.util.Arrays.copyOf(Base58.decode(text.substring(8)), 32))).publicKey())
                .containsExactly(key.publicKey());
    }
}
