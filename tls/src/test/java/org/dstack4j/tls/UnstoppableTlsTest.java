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
import org.dstack4j.chain.Keccak;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.node.Genesis;
import org.dstack4j.cluster.node.Member;
import org.dstack4j.cluster.node.Newcomer;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.join.ClusterPolicy;
import org.dstack4j.cluster.testing.MapPolicy;
import org.dstack4j.cluster.testing.NodePolicy;
import org.dstack4j.cluster.testing.Request;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.tls.testing.Pebble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unstoppable TLS end to end on real components: Debian's pebble and pebble-challtestsrv (processes, loopback),
 * two members in this JVM, each a simulated CVM (the product's agent on a unix socket, an app-compose that pins the
 * cluster). The cluster is booted through the cluster's own node code: {@link Genesis} draws the secret in the
 * first CVM; the second asks to join with a real quote ({@link Newcomer}), the first answers after the 14 join
 * checks ({@link Member}, {@link JoinChecks}) with the secret sealed to the newcomer, and the newcomer opens it and
 * checks it derives the pinned keys. The ledger is played by a record (the cluster's EVM tests run the same on
 * anvil). The elected member orders over ACME with HTTP-01 answered by its own responder; the other takes the
 * stored certificate after checking it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UnstoppableTlsTest {
    static final Domain DOMAIN = new Domain("app.cluster.test");
    static final ClusterRef CLUSTER = new ClusterRef(31337, Address.parse("0x" + "42".repeat(20)));

    @TempDir
    static Path dir;

    static Pebble pebble;
    static SimulatedCvm cvmA;
    static SimulatedCvm cvmB;
    static Http01Responder responder;
    static Genesis genesis;
    static ClusterSecret secretB;
    static UnstoppableTls first;
    static UnstoppableTls second;
    static CertificateStore store;
    static org.dstack4j.attestation.dcap.Collateral collateral;

    @BeforeAll
    static void cluster() throws Exception {
        pebble = Pebble.start(dir);
        SecureRandom rnd = new SecureRandom();
        cvmA = SimulatedCvm.start(dir, "member-a", SimulatedCvm.compose("tls-app", CLUSTER, Optional.empty(), true,
                SimulatedCvm.LAUNCHER_COMPOSE), SimulatedCvm.profileWith("source", "a"));
        DstackAttestor attA = attestor(cvmA);
        genesis = Genesis.draw(ClusterPin.fromCompose(cvmA.compose()).orElseThrow(), attA.nodeAddress(), rnd);
        cvmB = SimulatedCvm.start(dir, "member-b", SimulatedCvm.compose("tls-app", CLUSTER, Optional.of(genesis.keys()), true,
                SimulatedCvm.LAUNCHER_COMPOSE), SimulatedCvm.profileWith("source", "b"));
        collateral = cvmB.collateral();
        secretB = join(cvmB, rnd);
        responder = Http01Responder.start(new InetSocketAddress("127.0.0.1", pebble.httpPort()));
        store = new CertificateStore(dir.resolve("certs"));
        Address a = attA.nodeAddress(), b = attestor(cvmB).nodeAddress();
        List<Address> members = List.of(a, b);
        boolean aFirst = IssuerElection.order(DOMAIN, members).getFirst().equals(a);
        UnstoppableTls ma = member(cvmA, genesis.secret(), a, members, Duration.ofSeconds(30));
        UnstoppableTls mb = member(cvmB, secretB, b, members, Duration.ofSeconds(30));
        first = aFirst ? ma : mb;
        second = aFirst ? mb : ma;
    }

    /** The newcomer's request (its real quote), the genesis member's 14 checks and sealed answer, the newcomer's opening. */
    static ClusterSecret join(SimulatedCvm cvm, SecureRandom rnd) throws Exception {
        DstackAttestor att = attestor(cvm);
        Newcomer n = Newcomer.start(ClusterPin.fromCompose(cvm.compose()).orElseThrow(), att.nodeAddress(), rnd);
        byte[] anchor = Keccak.keccak256("anchor block".getBytes(StandardCharsets.UTF_8));
        Evidence ev = att.evidence(n.reportData(anchor));
        Request req = new Request(BigInteger.ONE, n.node(), n.encKey(), 10, anchor, ev.hash(), 11, Instant.now(), RequestState.PENDING,
                false, 12, 50);
        MemberSettings settings = new MemberSettings(CLUSTER, genesis.keys(), true);
        Member.Answer answer = new Member(genesis.secret(), settings, new JoinChecks(settings, NodePolicy.mapPolicy(cvm), q -> collateral))
                .answer(req, ev.encode(), 1);
        assertThat(answer).as("%s", answer).isInstanceOf(Member.Onboard.class);
        Newcomer.Outcome joined = n.onOnboarded(BigInteger.ONE, 1, ev.hash(), ((Member.Onboard) answer).sealed(), genesis.keys());
        assertThat(joined).isInstanceOf(Newcomer.Joined.class);
        return ((Newcomer.Joined) joined).secret();
    }

    static String sha256Hex(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static DstackAttestor attestor(SimulatedCvm cvm) {
        return new DstackAttestor(cvm.client(), cvm.compose());
    }

    static UnstoppableTls member(SimulatedCvm cvm, ClusterSecret secret, Address me, List<Address> members, Duration fallback) {
        return member(cvm, secret, me, members, fallback, Duration.ofDays(1));
    }

    static UnstoppableTls member(SimulatedCvm cvm, ClusterSecret secret, Address me, List<Address> members, Duration fallback,
            Duration renewBefore) {
        return member(cvm, secret, me, members, fallback, renewBefore, Clock.systemUTC());
    }

    static UnstoppableTls member(SimulatedCvm cvm, ClusterSecret secret, Address me, List<Address> members, Duration fallback,
            Duration renewBefore, Clock clock) {
        var settings = new UnstoppableTls.Settings(DOMAIN, pebble.directory(), List.of(pebble.root()), store, fallback,
                Duration.ofMillis(100), Duration.ofSeconds(40), renewBefore);
        return new UnstoppableTls(settings, KeyDerivation.of(secret, CLUSTER), me, members, attestor(cvm), responder, clock);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {responder, cvmA, cvmB, pebble, genesis, secretB}) {
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
        return client(server, compose, Optional.empty());
    }

    TlsAttestationCheck client(TlsServer server, Set<String> compose, Optional<ClusterPolicy> policy) throws Exception {
        return new TlsAttestationCheck(URI.create("https://" + DOMAIN + ":" + server.address().getPort() + "/"),
                Optional.of(server.address()), DcapVerifier.withTrustedRoot(cvmA.testRoot()), quote -> collateral,
                List.of(pebble.root()), compose, policy, Duration.ofSeconds(10));
    }

    /** What the cluster contract would allow: both members' measurements and compose hashes, the test root, UpToDate. */
    static MapPolicy clusterPolicy() throws Exception {
        MapPolicy p = NodePolicy.mapPolicy(cvmA);
        for (var e : NodePolicy.of(cvmB)) p.allow(e.getKey(), e.getValue());
        return p;
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
            // the members' compose hashes (the genesis compose pins no keys yet, a joiner's does), as a client knows them
            // from the contract's COMPOSE_HASH policy
            Set<String> allowed = Set.of(sha256Hex(cvmA.compose()), sha256Hex(cvmB.compose()));
            assertThat(allowed).contains(atA.composeHash().orElseThrow());
            TlsAttestationCheck.Result atB = client(serverB, allowed, Optional.of(clusterPolicy())).run(Instant.now());
            assertThat(atB.ok()).as("%s", atB.checks()).isTrue();
            assertThat(atB.checks().getLast().name()).isEqualTo("cluster-policy");
            // the same server under a contract that removed its compose hash: refused by name
            String servedCompose = atB.composeHash().orElseThrow();
            MapPolicy revoked = clusterPolicy().remove(PolicyKind.COMPOSE_HASH, java.util.HexFormat.of().parseHex(servedCompose));
            TlsAttestationCheck.Result refused = client(serverB, Set.of(), Optional.of(revoked)).run(Instant.now());
            assertThat(refused.ok()).isFalse();
            assertThat(refused.checks().getLast().detail()).isEqualTo("compose hash " + servedCompose + " is not allowed by the cluster contract");
            TlsAttestationCheck.Result down = client(serverB, Set.of(), Optional.of(clusterPolicy().down())).run(Instant.now());
            assertThat(down.checks().getLast().detail()).startsWith("the cluster policy cannot be read");
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
                Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofDays(1));
        List<Address> members = List.of(attestor(cvmA).nodeAddress(), attestor(cvmB).nodeAddress());
        UnstoppableTls waiting = new UnstoppableTls(settings, KeyDerivation.of(secretB, CLUSTER), IssuerElection.order(DOMAIN, members).getLast(),
                members, attestor(cvmB), responder, Clock.systemUTC());
        assertThat(waiting.publicKey()).isEqualTo(first.publicKey());
        assertThatThrownBy(waiting::certificate).isInstanceOf(UnstoppableTls.TlsException.class)
                .hasMessageContaining("stored certificate refused (public-key)").hasMessageContaining("another key");
        // the elected member replaces it with a certificate for the derived key
        CertificateCheck.Accepted again = first.certificate();
        assertThat(again.chain().getFirst().getPublicKey().getEncoded()).isEqualTo(first.publicKey().getEncoded());
        assertThat(second.checkStored().orElseThrow()).isInstanceOf(CertificateCheck.Accepted.class);
    }

    @Test
    @Order(4)
    void aCertificateDueForRenewalIsRenewedByTheMemberWhoseTurnItIsAndKeptByTheOthers() throws Exception {
        X509Certificate current = first.certificate().chain().getFirst();
        List<Address> members = List.of(attestor(cvmA).nodeAddress(), attestor(cvmB).nodeAddress());
        List<Address> order = IssuerElection.order(DOMAIN, members);
        SimulatedCvm firstCvm = order.getFirst().equals(members.get(0)) ? cvmA : cvmB;
        SimulatedCvm otherCvm = firstCvm == cvmA ? cvmB : cvmA;
        ClusterSecret firstSecret = firstCvm == cvmA ? genesis.secret() : secretB;
        ClusterSecret otherSecret = firstCvm == cvmA ? secretB : genesis.secret();
        // the stored certificate became due a minute ago: renewBefore reaches one minute past its notAfter
        Duration renewBefore = Duration.between(Instant.now(), current.getNotAfter().toInstant()).plusMinutes(1);
        // the second in line keeps serving the valid stored one: its turn (due + 1 h) has not come
        X509Certificate kept = member(otherCvm, otherSecret, order.getLast(), members, Duration.ofHours(1), renewBefore, Clock.systemUTC())
                .certificate().chain().getFirst();
        assertThat(kept).isEqualTo(current);
        // the first in line orders a new one for the same derived key and stores it
        X509Certificate renewed = member(firstCvm, firstSecret, order.getFirst(), members, Duration.ofHours(1), renewBefore, Clock.systemUTC())
                .certificate().chain().getFirst();
        assertThat(renewed).isNotEqualTo(current);
        assertThat(renewed.getPublicKey().getEncoded()).isEqualTo(current.getPublicKey().getEncoded());
        assertThat(store.read(DOMAIN).orElseThrow().getFirst()).isEqualTo(renewed);
        // the turn counts from the due moment, not from the call: two hours later (the first did not renew again) the
        // second in line renews on its very first call
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
        X509Certificate fallback = member(otherCvm, otherSecret, order.getLast(), members, Duration.ofHours(1), renewBefore, later)
                .certificate().chain().getFirst();
        assertThat(fallback).isNotEqualTo(renewed);
        assertThat(fallback.getPublicKey().getEncoded()).isEqualTo(current.getPublicKey().getEncoded());
        assertThat(store.read(DOMAIN).orElseThrow().getFirst()).isEqualTo(fallback);
    }

    @Test
    @Order(3)
    void anImpostorReplayingAGenuineMembersAttestationWithItsOwnKeyFailsTheClientCheckAtReportData() throws Exception {
        // the host's own certificate (pebble-issued, its key) served with evidence a real member made for the derived key
        KeyPair hostKey = org.dstack4j.tls.testing.TestCa.p256();
        List<X509Certificate> hostChain = new AcmeIssuer(pebble.directory()).obtain(org.dstack4j.tls.testing.TestCa.p256(), hostKey, DOMAIN, responder);
        byte[] replayed = attestor(cvmA).evidence(TlsAttestation.reportData(first.publicKey())).encode();
        try (TlsServer impostor = TlsServer.start(new InetSocketAddress("127.0.0.1", 0), hostKey, new CertificateCheck.Accepted(hostChain),
                replayed, app("impostor"))) {
            TlsAttestationCheck.Result r = client(impostor, Set.of()).run(Instant.now());
            assertThat(r.ok()).isFalse();
            assertThat(r.checks().getLast().name()).isEqualTo("report-data");
            assertThat(r.checks().getLast().detail()).contains("does not bind the certificate's public key");
            assertThat(r.checks().stream().filter(c -> c.name().equals("chain")).findFirst().orElseThrow().ok()).isTrue();
        }
    }

    @Test
    @Order(5)
    void membersOrderingAtOnceServeOneCertificateAndOnlyTheOneWhoseChainWasStoredSaysItOrdered() throws Exception {
        // a joiner ranked first starts while the previous first is still ordering: both find the store empty and order
        java.nio.file.Files.deleteIfExists(store.file(DOMAIN));
        List<Address> members = List.of(attestor(cvmA).nodeAddress(), attestor(cvmB).nodeAddress());
        UnstoppableTls a = member(cvmA, genesis.secret(), members.get(0), members, Duration.ZERO);
        UnstoppableTls b = member(cvmB, secretB, members.get(1), members, Duration.ZERO);
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            var fa = pool.submit(() -> {
                together.await();
                return a.certificate();
            });
            var fb = pool.submit(() -> {
                together.await();
                return b.certificate();
            });
            CertificateCheck.Accepted ca = fa.get(90, java.util.concurrent.TimeUnit.SECONDS);
            CertificateCheck.Accepted cb = fb.get(90, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(cb.chain()).isEqualTo(ca.chain());
            assertThat(store.read(DOMAIN).orElseThrow()).isEqualTo(ca.chain());
            assertThat(a.orderedHere(ca)).isNotEqualTo(b.orderedHere(cb));
        }
    }
}
