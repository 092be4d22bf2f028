package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.dstack4j.agent.api.TeeBackend;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.tls.CertificateCheck;
import org.dstack4j.tls.Domain;
import org.dstack4j.tls.DomainKeys;
import org.dstack4j.tls.TlsAttestation;
import org.dstack4j.tls.TlsServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dstack4j cluster check-tls} against a member's {@link TlsServer} on loopback: the cluster's derived key
 * with a certificate from a throw-away CA (pebble issuance is covered by the tls module's tests), the attestation
 * a simulator TD made for that key. Verdict lines and exit codes 0 / 1 / 2.
 */
class CheckTlsCliTest {
    static final Domain DOMAIN = new Domain("app.cluster.test");
    @TempDir
    static Path dir;
    static SimulatedTdx tdx;
    static KeyPair derived;
    static X509Certificate leaf;
    static Path root;
    static Path collateral;

    @BeforeAll
    static void setUp() throws Exception {
        AppCompose compose = AppCompose.defaults();
        tdx = SimulatedTdx.start(new SimulatorConfig("tls-member", compose, MeasurementProfile.defaults(), Optional.empty()));
        byte[] s = new byte[32];
        s[0] = 1;
        try (ClusterSecret secret = ClusterSecret.of(s)) {
            derived = DomainKeys.tls(KeyDerivation.of(secret, new ClusterRef(31337, Address.parse("0x" + "42".repeat(20)))), DOMAIN);
        }
        leaf = selfIssued(derived.getPublic());
        root = Files.writeString(dir.resolve("root.pem"), tdx.testRootPem());
        collateral = Files.writeString(dir.resolve("collateral.json"), tdx.collateral().toJson());
    }


    static TlsServer serve(KeyPair key, X509Certificate cert, PublicKey attested) throws Exception {
        TeeBackend.QuoteEvidence q = tdx.quote(TlsAttestation.reportData(attested));
        String compose = new String(AppCompose.defaults().raw(), StandardCharsets.UTF_8);
        byte[] evidence = new Evidence(q.quote(), EventLog.of(q.eventLog()).toJson(), compose).encode();
        return TlsServer.start(new InetSocketAddress("127.0.0.1", 0), key, new CertificateCheck.Accepted(List.of(cert)), evidence, ex -> {
            try (ex) {
                ex.sendResponseHeaders(404, -1);
            }
        });
    }

    static CliRun check(TlsServer s, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("cluster", "check-tls", "https://" + DOMAIN + "/", "--connect-to",
                "127.0.0.1:" + s.address().getPort(), "--trust-test-root", root.toString(), "--collateral", collateral.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void aServerWhoseKeyTheTdAttestsIsValid() throws Exception {
        try (TlsServer s = serve(derived, leaf, derived.getPublic())) {
            CliRun r = check(s);
            assertThat(r.status()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("report-data        ok", "dcap               ok", "VALID: the certificate's key is held by an attested TD");
            CliRun wrongCompose = check(s, "--expect-compose-hash", "00".repeat(32));
            assertThat(wrongCompose.status()).isEqualTo(1);
            assertThat(wrongCompose.out()).contains("compose-hash       FAIL", "is not one of the expected compose hashes", "INVALID: compose-hash failed");
        }
    }

    @Test
    void aClusterContractThatCannotBeReadFailsThePolicyCheckNeverPassesIt() throws Exception {
        try (TlsServer s = serve(derived, leaf, derived.getPublic())) {
            CliRun r = check(s, "--rpc", "http://127.0.0.1:9", "--contract", "0x" + "42".repeat(20), "--timeout", "2");
            assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).contains("compose-hash       ok", "cluster-policy     FAIL  the cluster policy cannot be read: http://127.0.0.1:9",
                    "INVALID: cluster-policy failed");
        }
    }

    @Test
    void aServerWithAnotherKeyAndTheGenuineAttestationIsInvalidAtReportData() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair other = g.generateKeyPair();
        try (TlsServer s = serve(other, selfIssued(other.getPublic()), derived.getPublic())) {
            CliRun r = check(s);
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.out()).contains("report-data        FAIL", "INVALID: report-data failed");
        }
    }

    @Test
    void badInputIsOneLineNamingTheOptionAndExitsTwo() {
        CliRun r = CliRun.of("cluster", "check-tls", "http://app.cluster.test/", "--collateral", collateral.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("check-tls: URL must be https://DOMAIN[:PORT]/, got http://app.cluster.test/");
        CliRun none = CliRun.of("cluster", "check-tls", "https://app.cluster.test/");
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("exactly one of --collateral FILE or --pccs-url URL");
        CliRun half = CliRun.of("cluster", "check-tls", "https://app.cluster.test/", "--collateral", collateral.toString(), "--rpc", "http://127.0.0.1:9");
        assertThat(half.status()).isEqualTo(2);
        assertThat(half.err()).contains("--rpc and --contract go together");
        CliRun down = CliRun.of("cluster", "check-tls", "https://app.cluster.test/", "--connect-to", "127.0.0.1:1", "--collateral", collateral.toString());
        assertThat(down.status()).isEqualTo(1);
        assertThat(down.out()).contains("tls-handshake      FAIL");
    }

    static X509Certificate selfIssued(PublicKey key) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ca = g.generateKeyPair();
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=test CA"), BigInteger.TWO, Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofDays(1))), new X500Name("CN=" + DOMAIN), key);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, DOMAIN.name())));
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
    }

}
