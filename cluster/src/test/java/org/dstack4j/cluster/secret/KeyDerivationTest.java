package org.dstack4j.cluster.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.joemelsha.crypto.hash.Keccak;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;
import org.junit.jupiter.api.Test;

/**
 * Key derivation against oracles written in the test from the protocol text: RFC 5869 HKDF on the JDK's HMAC,
 * the info string and clusterId built byte by byte, keccak from headlong's independent implementation, X25519
 * public keys from the JDK's XDH.
 */
class KeyDerivationTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SECRET = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final Address CONTRACT = Address.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static final ClusterRef REF = new ClusterRef(31337, CONTRACT);

    /** keccak256(abi.encode(uint256 31337, address)): two 32-byte words, built by hand. */
    private static byte[] oracleClusterId() {
        byte[] words = new byte[64];
        byte[] chain = BigInteger.valueOf(31337).toByteArray();
        System.arraycopy(chain, 0, words, 32 - chain.length, chain.length);
        System.arraycopy(CONTRACT.bytes(), 0, words, 44, 20);
        return new Keccak(256).digest(words);
    }

    private static byte[] lp(byte[] x) {
        byte[] out = new byte[2 + x.length];
        out[0] = (byte) (x.length >> 8);
        out[1] = (byte) x.length;
        System.arraycopy(x, 0, out, 2, x.length);
        return out;
    }

    private static byte[] oracle(String label, byte[] context, int len) throws Exception {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.writeBytes(lp("dstack4j/cluster/v1".getBytes(StandardCharsets.UTF_8)));
        info.writeBytes(lp(label.getBytes(StandardCharsets.UTF_8)));
        info.writeBytes(lp(context));
        return Rfc5869.hkdf(SECRET, oracleClusterId(), info.toByteArray(), len);
    }

    private static byte[] cat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static final byte[] I0 = {0, 0, 0, 0};

    private final KeyDerivation kd = KeyDerivation.of(ClusterSecret.of(SECRET), REF);

    @Test
    void oracleMatchesRfc5869TestCase1() throws Exception {
        // RFC 5869 A.1, so the oracle itself is right
        byte[] okm = Rfc5869.hkdf(HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), HEX.parseHex("000102030405060708090a0b0c"),
                HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertThat(HEX.formatHex(okm)).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void clusterIdIsKeccakOfTheAbiEncodedChainAndContract() {
        assertThat(REF.clusterId()).isEqualTo(oracleClusterId());
        assertThat(new ClusterRef(1, CONTRACT).clusterId()).isNotEqualTo(oracleClusterId());
    }

    @Test
    void rawDerivationIsHkdfWithLengthPrefixedLabels() throws Exception {
        assertThat(kd.derive("volume", "data".getBytes(StandardCharsets.UTF_8), 32)).isEqualTo(oracle("volume", "data".getBytes(), 32));
        assertThat(kd.derive("x", new byte[0], 100)).isEqualTo(oracle("x", new byte[0], 100));
        // length prefixes keep (label "ab", context "c") apart from (label "a", context "bc")
        assertThat(kd.derive("ab", "c".getBytes(), 32)).isNotEqualTo(kd.derive("a", "bc".getBytes(), 32));
    }

    @Test
    void signerIsTheFirstInRangeScalarAndItsAddress() throws Exception {
        byte[] k0 = oracle("signer", I0, 32);
        try (EcKey signer = kd.signerKey()) {
            assertThat(signer.privateScalar()).isEqualTo(k0);
            assertThat(signer.ethereumAddress()).isEqualTo(kd.publicKeys().signer());
        }
    }

    @Test
    void addressOfScalarOneIsTheWellKnownOne() {
        byte[] one = new byte[32];
        one[31] = 1;
        EcKey k = new EcKey(one, org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256k1"));
        assertThat(k.ethereumAddress()).isEqualTo(Address.parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"));
    }

    @Test
    void encryptionKeyIsClampedAndItsPublicHalfIsX25519OfTheBasePoint() throws Exception {
        byte[] expected = oracle("encryption", new byte[0], 32);
        expected[0] &= (byte) 0xf8;
        expected[31] &= 0x7f;
        expected[31] |= 0x40;
        try (X25519KeyPair pair = kd.encryptionKey()) {
            assertThat(pair.privateKey()).isEqualTo(expected);
            assertThat(pair.publicKey()).isEqualTo(jdkX25519Public(expected));
            assertThat(kd.publicKeys().encKey()).isEqualTo(pair.publicKey());
        }
    }

    /** X25519(k, 9) with the JDK's XDH: key agreement of k with the base point. */
    static byte[] jdkX25519Public(byte[] k) throws Exception {
        KeyFactory kf = KeyFactory.getInstance("XDH");
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, k)));
        ka.doPhase(kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9))), true);
        return ka.generateSecret();
    }

    @Test
    void perAppTlsAcmeVolumeAndDiskKeysUseTheirLabelsAndContexts() throws Exception {
        byte[] appId = HEX.parseHex("c5ce7c3a5b4e2b5f0cda5b1e1a7e0f5c7cc0b1d2");
        assertThat(kd.appRoot(appId)).isEqualTo(oracle("app-root", appId, 32));
        try (EcKey tls = kd.tlsKey("Node.Example.COM"); EcKey acme = kd.acmeAccountKey()) {
            assertThat(tls.privateScalar()).isEqualTo(oracle("tls", cat("node.example.com".getBytes(), I0), 32));
            assertThat(tls.publicKey()).hasSize(65);
            assertThat(acme.privateScalar()).isEqualTo(oracle("acme-account", I0, 32));
        }
        assertThat(kd.volumeKey("data")).isEqualTo(oracle("volume", "data".getBytes(), 32));
        Address node = Address.parse("0x1111111111111111111111111111111111111111");
        assertThat(kd.diskKey(node, "data")).isEqualTo(oracle("disk", cat(node.bytes(), "data".getBytes()), 32));
        assertThatThrownBy(() -> kd.tlsKey("bücher.example")).hasMessageContaining("ASCII");
        assertThatThrownBy(() -> kd.appRoot(new byte[19])).hasMessageContaining("20 bytes");
    }

    @Test
    void otherClusterOtherKeys() {
        KeyDerivation other = KeyDerivation.of(ClusterSecret.of(SECRET), new ClusterRef(1, CONTRACT));
        assertThat(other.publicKeys()).isNotEqualTo(kd.publicKeys());
        assertThat(KeyDerivation.of(ClusterSecret.of(SECRET), REF).publicKeys()).isEqualTo(kd.publicKeys());
    }

    @Test
    void secretNeverShowsAndIsZeroedOnDestroy() {
        ClusterSecret s = ClusterSecret.of(SECRET);
        assertThat(s.toString()).doesNotContain("0001020304").doesNotContain("000102");
        byte[] live = s.live();
        s.destroy();
        assertThat(live).containsOnly(0);
        assertThat(s.isDestroyed()).isTrue();
        assertThat(s.toString()).isEqualTo("ClusterSecret[destroyed]");
        assertThatThrownBy(s::copyBytes).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> KeyDerivation.of(s, REF).derive("x", new byte[0], 32)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ClusterSecret.of(new byte[31])).hasMessage("a cluster secret is 32 bytes, got 31");
    }

    @Test
    void jdkX25519OracleAgreesWithRfc7748Vector() throws Exception {
        // RFC 7748 §6.1: Alice's private key and public key
        byte[] priv = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertThat(HEX.formatHex(jdkX25519Public(priv))).isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(X25519KeyPair.fromPrivate(priv.clone()).publicKey()))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    }
}
