package org.dstack4j.attestation.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NearPublicKeyTest {
    @Test
    void parsesAndPrintsNearEd25519Keys() throws Exception {
        for (MpcFixtures.Fixture f : MpcFixtures.all()) {
            String text = f.tree().get("near_signer_public_key").asText();
            NearPublicKey k = NearPublicKey.parse(text, "near_signer_public_key");
            assertThat(k.raw()).hasSize(32);
            assertThat(k.toString()).isEqualTo(text);
            // a bare base58 key reads as ed25519, as NEAR does
            assertThat(NearPublicKey.parse(text.substring("ed25519:".length()), "k")).isEqualTo(k);
        }
    }

    @Test
    void keyBytesAreCopied() throws Exception {
        NearPublicKey k = NearPublicKey.parse("ed25519:" + Base58.encode(new byte[32]), "k");
        byte[] raw = k.raw();
        raw[0] = 9;
        assertThat(k.raw()[0]).isZero();
        assertThat(k.toString()).isEqualTo("ed25519:" + "1".repeat(32));
    }

    @Test
    void rejectsOtherKeyTypesBadBase58AndWrongLengths() {
        byte[] k33 = new byte[33];
        k33[0] = 2;
        assertThatThrownBy(() -> NearPublicKey.parse("secp256k1:" + Base58.encode(new byte[64]), "near_p2p_public_key"))
                .isInstanceOf(EvidenceFormatException.class).hasMessageStartingWith("near_p2p_public_key: ")
                .hasMessageContaining("must be an ed25519 key");
        assertThatThrownBy(() -> NearPublicKey.parse("ed25519:0OIl", "f")).isInstanceOf(EvidenceFormatException.class)
                .hasMessageContaining("not base58");
        assertThatThrownBy(() -> NearPublicKey.parse("ed25519:" + Base58.encode(k33), "f"))
                .isInstanceOf(EvidenceFormatException.class).hasMessageContaining("32 bytes, got 33");
        assertThatThrownBy(() -> NearPublicKey.parse("ed25519:", "f")).isInstanceOf(EvidenceFormatException.class)
                .hasMessageContaining("got 0");
    }
}
