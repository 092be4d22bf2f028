package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.seal.OnboardSeal;
import org.dstack4j.cluster.seal.SealContext;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.secret.X25519KeyPair;
import org.dstack4j.tls.testing.Pebble;
import org.dstack4j.tls.testing.SimulatedMember;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unstoppable TLS end to end on real components: Debian's pebble and pebble-challtestsrv (processes, loopback),
 * two members in this JVM, each with its own simulator agent on a unix socket. Member B's secret reaches it the
 * way a joiner's does: sealed by HPKE to its in-memory X25519 key ({@link OnboardSeal}) and opened; the chain
 * part of a join (request and answer on anvil) is not run here (docs/tls.md says so). The elected member orders
 * over ACME with HTTP-01 answered by its own responder; the other takes the stored certificate after checking it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UnstoppableTlsTest {
    static final Domain DOMAIN = new Domain("app.cluster.test");
    static final ClusterRef CLUSTER = new ClusterRef(31337, Address.parse("0x" + "42".repeat(20)));

    @TempDir
    static Path dir;

    static Pebble pebble;
    static SimulatedMember cvmA;
    static SimulatedMember cvmB;
    static Http01Responder responder;
    static ClusterSecret secretA;
    static ClusterSecret secretB;
    static UnstoppableTls first;
    static UnstoppableTls second;
    static CertificateStore store;
    static org.dstack4j.attestation.dcap.Collateral collateral;

    @BeforeAll
    static void cluster() throws Exception {
        pebble = Pebble.start(dir);
        cvmA = SimulatedMember.start(dir, "member-a");
        cvmB = SimulatedMember.start(dir, "member-b");
        collateral = cvmA.collateral();
        responder = Http01Responder.start(new InetSocketAddress("127.0.0.1", pebble.httpPort()));
        secretA = ClusterSecret.generate(new SecureRandom());
        try (X25519KeyPair joinKey = X25519KeyPair.generate(new SecureRandom())) {
            SealContext ctx = new SealContext(CLUSTER, BigInteger.ONE, 1, new byte[32]);
            byte[] sealed = OnboardSeal.seal(secretA, joinKey.publicKey(), ctx);
            secretB = ((OnboardSeal.Secret) OnboardSeal.open(sealed, joinKey, ctx)).secret();
        }
        store = new CertificateStore(dir.resolve("certs"));
        Address a = cvmA.attestor().nodeAddress(), b = cvmB.attestor().nodeAddress();
        List<Address> members = List.of(a, b);
        Address electedAddr = IssuerElection.order(DOMAIN, members).getFirst();
        SimulatedMember electedCvm = electedAddr.equals(a) ? cvmA : cvmB;
        SimulatedMember otherCvm = electedCvm == cvmA ? cvmB : cvmA;
        first = member(electedCvm, electedCvm == cvmA ? secretA : secretB, electedAddr, members, Duration.ofSeconds(30));
        second = member(otherCvm, otherCvm == cvmA ? secretA : secretB, electedAddr.equals(a) ? b : a, members, Duration.ofSeconds(30));
    }

    static UnstoppableTls member(SimulatedMember cvm, ClusterSecret secret, Address me, List<Address> members, Duration fallback) {
        var settings = new UnstoppableTls.Settings(DOMAIN, pebble.directory(), List.of(pebble.root()), store, fallback,
                Duration.ofMillis(100), Duration.ofSeconds(40));
        return new UnstoppableTls(settings, KeyDerivation.of(secret, CLUSTER), me, members, cvm.attestor(), responder, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {responder, cvmA, cvmB, pebble, secretA, secretB}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }

    static HttpHandler app(String who) {
        return ex -> {
            try (ex) {
                byte[] b = ("served by " + who + "\n").getBytes(StandardCharsets.US_ASCII);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
        };
    }

    TlsAttestationCheck client(TlsServer server, Set<String> compose) throws Exception {
        return new TlsAttestationCheck(URI.create("https://" + DOMAIN + ":" + server.address().getPort() + "/"),
                Optional.of(server.address()), DcapVerifier.withTrustedRoot(cvmA.testRoot()), quote -> collateral,
                List.of(pebble.root()), compose, Duration.ofSeconds(10));
    }

    @Test
    @Order(1)
    void bothMembersDeriveOneKeyTheElectedOneOrdersTheOtherServesTheSameCertificateAfterTheFirstStops() throws Exception {
        assertThat(first.publicKey().getEncoded()).isEqualTo(second.publicKey().getEncoded());
        assertThat(first.checkStored()).isEmpty();

        CertificateCheck.Accepted a = first.certificate();   // elected: orders from pebble at once
        X509Certificate leaf = a.chain().getFirst();
        assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(first.publicKey().getEncoded());
        assertThat(CertificateCheck.dnsNames(leaf)).containsExactly(DOMAIN.name());
        assertThat(store.read(DOMAIN)).isPresent();

        CertificateCheck.Accepted b = second.certificate();  // not elected: finds it in the store and checks it
        assertThat(b.chain().getFirst()).isEqualTo(leaf);

        TlsServer serverA = first.serve(new InetSocketAddress("127.0.0.1", 0), a, app("first"));
        TlsServer serverB = second.serve(new InetSocketAddress("127.0.0.1", 0), b, app("second"));
        try {
            TlsAttestationCheck.Result atA = client(serverA, Set.of()).run(Instant.now());
            assertThat(atA.ok()).as("%s", atA.checks()).isTrue();
            assertThat(atA.checks()).extracting(c -> c.name()).containsExactly("tls-handshake", "san", "chain", "attestation-fetch",
                    "quote-format", "dcap", "debug-td", "report-data", "rtmr3-replay", "compose-hash");
            serverA.close();
            TlsAttestationCheck.Result atB = client(serverB, Set.of(atA.composeHash().orElseThrow())).run(Instant.now());
            assertThat(atB.ok()).as("%s", atB.checks()).isTrue();
            assertThat(atB.leaf().orElseThrow()).isEqualTo(atA.leaf().orElseThrow());
            TlsAttestationCheck.Result gone = client(serverA, Set.of()).run(Instant.now());
            assertThat(gone.ok()).isFalse();
            assertThat(gone.checks().getLast().name()).isEqualTo("tls-handshake");
        } finally {
            serverA.close();
            serverB.close();
        }
    }

    @Test
    @Order(2)
    void aCertificateThePebbleCaIssuedForAnotherKeyIsRefusedByEveryMember() throws Exception {
        // the host orders its own certificate for the domain (same CA, same domain, its own key) and plants it
        KeyPair hostKey = org.dstack4j.tls.testing.TestCa.p256();
        List<X509Certificate> planted = new AcmeIssuer(pebble.directory()).obtain(org.dstack4j.tls.testing.TestCa.p256(), hostKey, DOMAIN, responder);
        assertThat(new CertificateCheck(List.of(pebble.root()), DOMAIN, hostKey.getPublic()).check(planted, Instant.now()))
                .isInstanceOf(CertificateCheck.Accepted.class); // a valid certificate in itself
        store.write(DOMAIN, planted);
        for (UnstoppableTls m : List.of(first, second)) {
            var outcome = m.checkStored().orElseThrow();
            assertThat(outcome).isInstanceOf(CertificateCheck.Refused.class);
            assertThat(((CertificateCheck.Refused) outcome).step()).isEqualTo("public-key");
            assertThat(((CertificateCheck.Refused) outcome).reason()).contains("another key", DOMAIN.name());
        }
        // the member that is not first in line waits for a valid one and reports why it does not serve this one
        var settings = new UnstoppableTls.Settings(DOMAIN, pebble.directory(), List.of(pebble.root()), store, Duration.ofHours(1),
                Duration.ofMillis(50), Duration.ofMillis(300));
        UnstoppableTls waiting = new UnstoppableTls(settings, KeyDerivation.of(secretB, CLUSTER),
                IssuerElection.order(DOMAIN, List.of(cvmA.attestor().nodeAddress(), cvmB.attestor().nodeAddress())).getLast(),
                List.of(cvmA.attestor().nodeAddress(), cvmB.attestor().nodeAddress()), cvmB.attestor(), responder, Clock.systemUTC());
        assertThat(waiting.publicKey()).isEqualTo(first.publicKey());
        assertThatThrownBy(waiting::certificate).isInstanceOf(UnstoppableTls.TlsException.class)
                .hasMessageContaining("stored certificate refused (public-key)").hasMessageContaining("another key");
        // the elected member replaces it with a certificate for the derived key
        CertificateCheck.Accepted again = first.certificate();
        assertThat(again.chain().getFirst().getPublicKey().getEncoded()).isEqualTo(first.publicKey().getEncoded());
        assertThat(second.checkStored().orElseThrow()).isInstanceOf(CertificateCheck.Accepted.class);
    }

    @Test
    @Order(3)
    void anImpostorReplayingAGenuineMembersAttestationWithItsOwnKeyFailsTheClientCheckAtReportData() throws Exception {
        // the host's own certificate (pebble-issued, its key) served with evidence a real member made for the derived key
        KeyPair hostKey = org.dstack4j.tls.testing.TestCa.p256();
        List<X509Certificate> hostChain = new AcmeIssuer(pebble.directory()).obtain(org.dstack4j.tls.testing.TestCa.p256(), hostKey, DOMAIN, responder);
        byte[] replayed = cvmA.attestor().evidence(TlsAttestation.reportData(first.publicKey())).encode();
        try (TlsServer impostor = TlsServer.start(new InetSocketAddress("127.0.0.1", 0), hostKey, new CertificateCheck.Accepted(hostChain),
                replayed, app("impostor"))) {
            TlsAttestationCheck.Result r = client(impostor, Set.of()).run(Instant.now());
            assertThat(r.ok()).isFalse();
            assertThat(r.checks().getLast().name()).isEqualTo("report-data");
            assertThat(r.checks().getLast().detail()).contains("does not bind the certificate's public key");
            assertThat(r.checks().stream().filter(c -> c.name().equals("chain")).findFirst().orElseThrow().ok()).isTrue();
        }
    }
}
