package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.mpc.Vote;
import org.dstack4j.near.mpc.VoteSender;
import org.dstack4j.near.mpc.Votes;
import org.dstack4j.near.rpc.NearRpc;
import org.dstack4j.near.tx.Ed25519Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Votes signed and sent; the double checks signature and nonce with its own borsh reader. */
class VoteSenderTest {
    @TempDir
    Path tmp;

    @Test
    void aSignedVoteReachesTheContractWithItsArguments() throws Exception {
        String secret = BorshVectorsTest.vectors().get("signing_key").asText();
        Ed25519Key key = Ed25519Key.parse(secret);
        Path keyFile = tmp.resolve("alice.near.json");
        Files.writeString(keyFile, "{\"account_id\":\"alice.near\",\"public_key\":\"" + key.publicKeyText() + "\",\"private_key\":\"" + secret + "\"}");
        Ed25519Key.KeyFile kf = Ed25519Key.readKeyFile(keyFile);
        assertThat(kf.accountId()).isEqualTo("alice.near");
        try (NearRpcDouble near = new NearRpcDouble(); NearRpc rpc = new NearRpc(near.url(), Duration.ofSeconds(5), 1 << 20)) {
            near.accessKey("alice.near", key.publicKeyText(), 41);
            VoteSender sender = new VoteSender(new MpcContract(rpc, "v1.signer"));
            Vote vote = Votes.codeHash("cd".repeat(32));
            String hash = sender.send(vote, "alice.near", kf.key());
            assertThat(hash).isNotBlank();
            assertThat(near.sent()).singleElement().satisfies(c -> {
                assertThat(c.signer()).isEqualTo("alice.near");
                assertThat(c.receiver()).isEqualTo("v1.signer");
                assertThat(c.nonce()).isEqualTo(42);
                assertThat(c.method()).isEqualTo("vote_code_hash");
                assertThat(c.args().toString()).isEqualTo(vote.argsJson());
                assertThat(c.gas()).isEqualTo(Vote.GAS);
            });
            assertThat(near.requests().get(near.requests().size() - 1).at("/params/wait_until").asText()).isEqualTo("FINAL");
            // the next vote takes the next nonce; a failed execution is reported with the transaction hash
            near.accessKey("alice.near", key.publicKeyText(), 42);
            near.failTransactionWith = "ActionErrorKind";
            assertThatThrownBy(() -> sender.send(vote, "alice.near", kf.key())).hasMessageMatching("transaction \\w+ \\(vote_code_hash\\) failed: .*ActionErrorKind.*");
            // a key the account does not have
            assertThatThrownBy(() -> sender.send(vote, "bob.near", kf.key())).hasMessageContaining("UNKNOWN_ACCESS_KEY");
        }
    }

    @Test
    void keyFileErrorsNameTheFileNeverTheKey() throws Exception {
        Path f = tmp.resolve("k.json");
        Files.writeString(f, "{\"private_key\":\"ed25519:0OIl\"}");
        assertThatThrownBy(() -> Ed25519Key.readKeyFile(f)).hasMessageContaining(f.toString()).hasMessageContaining("invalid base58 character")
                .message().doesNotContain("0OIl");
        Files.writeString(f, "{\"account_id\":\"a.near\"}");
        assertThatThrownBy(() -> Ed25519Key.readKeyFile(f)).hasMessageContaining("no \"private_key\"");
        assertThatThrownBy(() -> Ed25519Key.readKeyFile(tmp.resolve("absent.json"))).hasMessageContaining("cannot read key file");
    }
}
