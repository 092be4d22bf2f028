package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.dstack4j.tls.testing.TestCa;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The member's certificate check on chains made by throw-away CAs (each step's refusal, by name). */
class CertificateCheckTest {
    static final Domain DOMAIN = new Domain("app.cluster.test");
    static TestCa ca;
    static KeyPair derived;
    static CertificateCheck check;

    @BeforeAll
    static void setUp() throws Exception {
        ca = TestCa.create("acme root");
        derived = TestCa.p256();
        check = new CertificateCheck(List.of(ca.certificate()), DOMAIN, derived.getPublic());
    }

    @Test
    void aLeafForTheDerivedKeyAndDomainUnderTheRootIsAccepted() throws Exception {
        X509Certificate leaf = ca.leaf(derived.getPublic(), DOMAIN.name());
        assertThat(check.check(List.of(leaf), Instant.now())).isEqualTo(new CertificateCheck.Accepted(List.of(leaf)));
        // a stored chain that carries the root too is fine; the served chain leaves it out
        assertThat(check.check(List.of(leaf, ca.certificate()), Instant.now())).isEqualTo(new CertificateCheck.Accepted(List.of(leaf)));
    }

    @Test
    void anotherCaAnotherDomainAnotherKeyAndAnExpiredLeafAreEachRefusedByTheirStep() throws Exception {
        TestCa rogue = TestCa.create("rogue root");
        assertRefused(List.of(rogue.leaf(derived.getPublic(), DOMAIN.name())), Instant.now(), "chain", "does not chain to the configured ACME root");
        assertRefused(List.of(ca.leaf(derived.getPublic(), "other.cluster.test")), Instant.now(), "san", "does not name app.cluster.test");
        assertRefused(List.of(ca.leaf(TestCa.p256().getPublic(), DOMAIN.name())), Instant.now(), "public-key", "is for another key");
        assertRefused(List.of(ca.leaf(derived.getPublic(), DOMAIN.name())), Instant.now().plus(Duration.ofDays(3)), "chain", "does not chain");
        assertRefused(List.of(), Instant.now(), "chain", "holds no certificate");
        assertRefused(List.of(ca.certificate()), Instant.now(), "chain", "only the ACME root");
    }

    static void assertRefused(List<X509Certificate> chain, Instant at, String step, String reason) {
        CertificateCheck.Outcome o = check.check(chain, at);
        assertThat(o).isInstanceOf(CertificateCheck.Refused.class);
        assertThat(((CertificateCheck.Refused) o).step()).isEqualTo(step);
        assertThat(((CertificateCheck.Refused) o).reason()).contains(reason);
    }
}
