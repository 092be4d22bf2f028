package org.dstack4j.agent.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestPkiTest {
    private static final PckTcb TCB = new PckTcb(HexFormat.of().parseHex("b0c06f000000"), new byte[2],
            HexFormat.of().parseHex("04040202040100050000000000000000"), 11,
            List.of(4, 4, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0), 1);

    @Test
    void sameSeedGivesByteIdenticalCertificates() throws Exception {
        TestPki a = TestPki.create(new SeedKdf("seed"), TCB);
        TestPki b = TestPki.create(new SeedKdf("seed"), TCB);
        assertThat(b.pemChain()).isEqualTo(a.pemChain());
        assertThat(b.pckCertificate().getEncoded()).isEqualTo(a.pckCertificate().getEncoded());
        assertThat(b.pckKey().signP1363(new byte[] {1})).isEqualTo(a.pckKey().signP1363(new byte[] {1}));
    }

    @Test
    void differentSeedGivesDifferentKeysAndCertificates() {
        TestPki a = TestPki.create(new SeedKdf("seed"), TCB);
        TestPki b = TestPki.create(new SeedKdf("seed2"), TCB);
        assertThat(b.pckKey().rawPublicKey()).isNotEqualTo(a.pckKey().rawPublicKey());
        assertThat(b.rootCertificate().getSerialNumber()).isNotEqualTo(a.rootCertificate().getSerialNumber());
    }

    @Test
    void certificatesAreMarkedTestOnlyAndShapedLikeIntels() throws Exception {
        TestPki pki = TestPki.create(new SeedKdf("seed"), TCB);
        assertThat(pki.rootCertificate().getBasicConstraints()).isEqualTo(1);
        assertThat(pki.platformCaCertificate().getBasicConstraints()).isEqualTo(0);
        assertThat(pki.pckCertificate().getBasicConstraints()).isEqualTo(-1);
        assertThat(pki.pckCertificate().getPublicKey()).isEqualTo(pki.pckKey().publicKey());
        byte[] ext = pki.pckCertificate().getExtensionValue(TestPki.SGX_EXTENSION_OID);
        // the FMSPC OID (…13.1.4) followed by an OCTET STRING holding the 6 FMSPC bytes
        assertThat(HexFormat.of().formatHex(ext)).contains("060a2a864886f84d010d01040406b0c06f000000");
        for (var c : List.of(pki.rootCertificate(), pki.platformCaCertificate(), pki.pckCertificate())) {
            assertThat(c.getSubjectX500Principal().getName()).contains("TEST ONLY");
        }
    }
}
