package org.dstack4j.chain.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.junit.jupiter.api.Test;

class SigningKeyTest {
    // anvil's (and hardhat's) first dev account: a public, well-known key
    static final byte[] DEV0 = Hex.decode("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

    @Test
    void devKeyHasItsWellKnownAddress() {
        assertThat(SigningKey.of(DEV0).address()).isEqualTo(Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assertThat(SigningKey.of(DEV0).toString()).doesNotContain("ac0974");
    }

    @Test
    void signaturesAreDeterministicLowSAndRecoverToTheSigner() {
        SecureRandom rnd = new SecureRandom();
        for (int i = 0; i < 200; i++) {
            SigningKey k = SigningKey.random(rnd);
            byte[] digest = new byte[32];
            rnd.nextBytes(digest);
            Signature sig = k.sign(digest);
            assertThat(sig.s()).isLessThanOrEqualTo(Secp256k1.HALF_N);
            assertThat(k.sign(digest)).isEqualTo(sig);
            assertThat(Secp256k1.recoverAddress(digest, sig)).contains(k.address());
            assertThat(Signature.parse(sig.toBytes())).isEqualTo(sig);
            // the other v recovers to someone else (or nothing)
            Signature flipped = new Signature(sig.r(), sig.s(), sig.v() == 27 ? 28 : 27);
            assertThat(Secp256k1.recoverAddress(digest, flipped)).isNotEqualTo(java.util.Optional.of(k.address()));
        }
    }

    @Test
    void strictParsingRefusesHighSBadVAndBadLength() {
        Signature sig = SigningKey.of(DEV0).sign(Keccak.keccak256("x"));
        byte[] b = sig.toBytes();
        byte[] high = b.clone();
        System.arraycopy(Hex.word(Secp256k1.N.subtract(sig.s())), 0, high, 32, 32);
        high[64] = (byte) (sig.v() == 27 ? 28 : 27);
        assertThatThrownBy(() -> Signature.parse(high)).hasMessageContaining("not low");
        byte[] v0 = b.clone();
        v0[64] = 0;
        assertThatThrownBy(() -> Signature.parse(v0)).hasMessageContaining("27 or 28");
        assertThatThrownBy(() -> Signature.parse(java.util.Arrays.copyOf(b, 64))).hasMessageContaining("65 bytes");
        byte[] zeroR = b.clone();
        java.util.Arrays.fill(zeroR, 0, 32, (byte) 0);
        assertThatThrownBy(() -> Signature.parse(zeroR)).hasMessageContaining("r is out of range");
        assertThatThrownBy(() -> SigningKey.of(Hex.word(Secp256k1.N))).hasMessageContaining("[1, n-1]");
        assertThatThrownBy(() -> SigningKey.of(new byte[32])).hasMessageContaining("[1, n-1]");
    }

    @Test
    void anRThatIsNoCurvePointRecoversNothing() {
        // x = 5 is not the x of a secp256k1 point (5^3 + 7 = 132 is a non-residue mod p)
        Signature sig = new Signature(BigInteger.valueOf(5), BigInteger.ONE, 27);
        assertThat(Secp256k1.recoverAddress(new byte[32], sig)).isEmpty();
    }
}
