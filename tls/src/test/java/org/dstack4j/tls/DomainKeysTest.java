package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.util.HexFormat;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.junit.jupiter.api.Test;

class DomainKeysTest {
    static final ClusterRef CLUSTER = new ClusterRef(31337, Address.parse("0x" + "42".repeat(20)));
    static final BigInteger P256_N = new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);

    static ClusterSecret secret(int fill) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) fill);
        return ClusterSecret.of(b);
    }

    @Test
    void twoMembersWithTheSameSecretDeriveTheSameKeyPairAndItSigns() throws Exception {
        KeyPair a = DomainKeys.tls(KeyDerivation.of(secret(7), CLUSTER), new Domain("app.example.com"));
        KeyPair b = DomainKeys.tls(KeyDerivation.of(secret(7), CLUSTER), new Domain("APP.Example.com"));
        assertThat(a.getPublic().getEncoded()).isEqualTo(b.getPublic().getEncoded());
        assertThat(a.getPrivate().getEncoded()).isEqualTo(b.getPrivate().getEncoded());
        BigInteger s = ((ECPrivateKey) a.getPrivate()).getS();
        assertThat(s.signum()).isPositive();
        assertThat(s).isLessThan(P256_N);
        // the public half is the private half's: a signature by one verifies under the other
        Signature sig = Signature.getInstance("SHA256withECDSA");
        sig.initSign(a.getPrivate());
        sig.update(new byte[] {1, 2, 3});
        byte[] signed = sig.sign();
        sig.initVerify(b.getPublic());
        sig.update(new byte[] {1, 2, 3});
        assertThat(sig.verify(signed)).isTrue();
    }

    @Test
    void domainsClustersSecretsAndTheAcmeAccountAreSeparated() {
        String base = hex(DomainKeys.tls(KeyDerivation.of(secret(7), CLUSTER), new Domain("app.example.com")));
        assertThat(hex(DomainKeys.tls(KeyDerivation.of(secret(7), CLUSTER), new Domain("app.example.org")))).isNotEqualTo(base);
        assertThat(hex(DomainKeys.tls(KeyDerivation.of(secret(7), CLUSTER), new Domain("app.example.co")))).isNotEqualTo(base);
        assertThat(hex(DomainKeys.tls(KeyDerivation.of(secret(8), CLUSTER), new Domain("app.example.com")))).isNotEqualTo(base);
        ClusterRef other = new ClusterRef(1, CLUSTER.contract());
        assertThat(hex(DomainKeys.tls(KeyDerivation.of(secret(7), other), new Domain("app.example.com")))).isNotEqualTo(base);
        assertThat(hex(DomainKeys.acmeAccount(KeyDerivation.of(secret(7), CLUSTER)))).isNotEqualTo(base);
    }

    @Test
    void theJcaKeyIsTheClusterModulesDerivedScalar() {
        KeyDerivation kd = KeyDerivation.of(secret(9), CLUSTER);
        KeyPair p = DomainKeys.tls(kd, new Domain("node.example.com"));
        try (var k = kd.tlsKey("node.example.com")) {
            assertThat(((ECPrivateKey) p.getPrivate()).getS()).isEqualTo(new BigInteger(1, k.privateScalar()));
        }
    }

    @Test
    void aDomainThatIsNotADnsNameIsRefusedByName() {
        assertThatThrownBy(() -> new Domain("bad_name.example")).hasMessageContaining("bad_name.example").hasMessageContaining("not a DNS name");
        assertThatThrownBy(() -> new Domain("")).hasMessageContaining("1..253");
        assertThatThrownBy(() -> new Domain("a..b")).hasMessageContaining("not a DNS name");
        assertThat(new Domain("Xn--Bcher-Kva.Example").name()).isEqualTo("xn--bcher-kva.example");
    }

    static String hex(KeyPair p) {
        return HexFormat.of().formatHex(p.getPublic().getEncoded());
    }
}
