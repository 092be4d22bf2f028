package org.dstack4j.cluster.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.X25519KeyPair;
import org.junit.jupiter.api.Test;

class OnboardSealTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * RFC 9180 Appendix A.2.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, Base Setup), encryption
     * sequence number 0: the values are copied from the RFC as data.
     */
    static final class A21 {
        static final byte[] INFO = HEX.parseHex("4f6465206f6e2061204772656369616e2055726e");
        static final byte[] SK_EM = HEX.parseHex("f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600");
        static final byte[] PK_EM = HEX.parseHex("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a");
        static final byte[] SK_RM = HEX.parseHex("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb");
        static final byte[] PK_RM = HEX.parseHex("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a");
        static final byte[] AAD = HEX.parseHex("436f756e742d30");
        static final byte[] PT = HEX.parseHex("4265617574792069732074727574682c20747275746820626561757479");
        static final byte[] CT = HEX.parseHex("1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28");
    }

    @Test
    void rfc9180VectorA21SealsAndOpens() throws Exception {
        byte[] sealed = Hpke.seal(A21.PK_RM, A21.INFO, A21.AAD, A21.PT, new byte[][] {A21.SK_EM, A21.PK_EM});
        assertThat(HEX.formatHex(sealed)).isEqualTo(HEX.formatHex(A21.PK_EM) + HEX.formatHex(A21.CT));
        assertThat(Hpke.open(sealed, A21.SK_RM, A21.PK_RM, A21.INFO, A21.AAD)).isEqualTo(A21.PT);
        byte[] otherAad = HEX.parseHex("436f756e742d31");
        assertThatThrownBy(() -> Hpke.open(sealed, A21.SK_RM, A21.PK_RM, A21.INFO, otherAad)).isInstanceOf(InvalidCipherTextException.class);
    }

    private static final ClusterRef REF = new ClusterRef(31337, Address.parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"));
    private static final byte[] EVIDENCE_HASH = HEX.parseHex("ee".repeat(32));
    private static final SealContext CTX = new SealContext(REF, BigInteger.valueOf(7), 1, EVIDENCE_HASH);

    @Test
    void infoIsPrefixChainContractRequestAndEpoch() {
        String expected = HEX.formatHex("dstack4j/cluster/onboard/v1".getBytes())
                + "0".repeat(60) + "7a69"                       // uint256(31337)
                + "5fbdb2315678afecb367f032d93f642f64180aa3"   // contract, 20 bytes
                + "0".repeat(63) + "7"                          // uint256(7)
                + "0000000000000001";                           // uint64_be(1)
        assertThat(HEX.formatHex(CTX.info())).isEqualTo(expected);
        assertThat(CTX.aad()).isEqualTo(EVIDENCE_HASH);
    }

    @Test
    void roundTripAndEveryBindingRefuses() {
        SecureRandom rnd = new SecureRandom();
        ClusterSecret secret = ClusterSecret.generate(rnd);
        try (X25519KeyPair newcomer = X25519KeyPair.generate(rnd); X25519KeyPair other = X25519KeyPair.generate(rnd)) {
            byte[] sealed = OnboardSeal.seal(secret, newcomer.publicKey(), CTX);
            assertThat(sealed).hasSize(80);
            OnboardSeal.Opened opened = OnboardSeal.open(sealed, newcomer, CTX);
            assertThat(opened).isInstanceOf(OnboardSeal.Secret.class);
            assertThat(((OnboardSeal.Secret) opened).secret().sameAs(secret)).isTrue();

            OnboardSeal.Refused notForUs = new OnboardSeal.Refused(OnboardSeal.Failure.NOT_FOR_US);
            assertThat(OnboardSeal.open(sealed, other, CTX)).isEqualTo(notForUs);
            assertThat(OnboardSeal.open(sealed, newcomer, new SealContext(REF, BigInteger.valueOf(8), 1, EVIDENCE_HASH))).isEqualTo(notForUs);
            assertThat(OnboardSeal.open(sealed, newcomer, new SealContext(REF, BigInteger.valueOf(7), 2, EVIDENCE_HASH))).isEqualTo(notForUs);
            assertThat(OnboardSeal.open(sealed, newcomer, new SealContext(new ClusterRef(1, REF.contract()), BigInteger.valueOf(7), 1,
                    EVIDENCE_HASH))).isEqualTo(notForUs);
            assertThat(OnboardSeal.open(sealed, newcomer, new SealContext(REF, BigInteger.valueOf(7), 1, new byte[32]))).isEqualTo(notForUs);
            byte[] flipped = sealed.clone();
            flipped[50] ^= 1;
            assertThat(OnboardSeal.open(flipped, newcomer, CTX)).isEqualTo(notForUs);
            byte[] zeroEnc = sealed.clone();
            java.util.Arrays.fill(zeroEnc, 0, 32, (byte) 0);
            assertThat(OnboardSeal.open(zeroEnc, newcomer, CTX)).isEqualTo(notForUs);
            assertThat(OnboardSeal.open(java.util.Arrays.copyOf(sealed, 79), newcomer, CTX))
                    .isEqualTo(new OnboardSeal.Refused(OnboardSeal.Failure.WRONG_SIZE));
            // two seals of one secret differ (fresh ephemeral key each time)
            assertThat(OnboardSeal.seal(secret, newcomer.publicKey(), CTX)).isNotEqualTo(sealed);
        }
    }
}
