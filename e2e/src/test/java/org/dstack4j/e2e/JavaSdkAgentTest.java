package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.GetKeyResponse;
import org.dstack4j.sdk.GetQuoteResponse;
import org.dstack4j.sdk.GetTlsKeyResponse;
import org.dstack4j.sdk.InfoResponse;
import org.dstack4j.sdk.SignResponse;
import org.dstack4j.sdk.TlsKeyRequest;
import org.dstack4j.sdk.VersionResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same checks as e2e/js/dstack-sdk.test.mjs, through our Java SDK against the real agent
 * process: every method answers, quoted RTMR3 = replay of the Info event log with the emitted
 * event last, and GetKey/Sign signature chains recover to the simulated KMS root key.
 */
class JavaSdkAgentTest {
    private static final HexFormat HEX = HexFormat.of();
    private static AgentProcess agent;
    private static DstackClient client;

    @BeforeAll
    static void startAgent() throws Exception {
        agent = AgentProcess.startWithVerifierFiles();
        client = agent.client();
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (client != null) client.close();
        if (agent != null) agent.close();
    }

    @Test
    void reachableWithVersion() throws Exception {
        assertThat(client.isReachable()).isTrue();
        VersionResponse v = client.version();
        assertThat(v.version()).isNotBlank();
    }

    @Test
    void emittedEventIsLastAndQuotedRtmr3EqualsReplay() throws Exception {
        String name = "java-sdk-" + System.nanoTime();
        byte[] payload = "payload".getBytes(StandardCharsets.UTF_8);
        client.emitEvent(name, payload);
        byte[] reportData = MessageDigest.getInstance("SHA-512").digest(name.getBytes(StandardCharsets.UTF_8));
        GetQuoteResponse q = client.getQuote(reportData);
        InfoResponse info = client.info();
        List<EventLogEntry> log = info.tcbInfo().eventLog();
        EventLogEntry last = log.getLast();
        assertThat(last.imr()).isEqualTo(3);
        assertThat(last.event()).isEqualTo(name);
        assertThat(last.eventPayload()).isEqualTo(HEX.formatHex(payload));
        byte[] quoted = AgentEvidence.quoteRtmr3(q.quote());
        assertThat(HEX.formatHex(AgentEvidence.replayRtmr3(log))).isEqualTo(HEX.formatHex(quoted));
        assertThat(info.tcbInfo().rtmr3()).isEqualTo(HEX.formatHex(quoted));
        // GetQuote's own log blanks RTMR3 digests (as dstack does) but replays to the same register.
        assertThat(HEX.formatHex(AgentEvidence.replayRtmr3(q.eventLog()))).isEqualTo(HEX.formatHex(quoted));
        assertThat(q.reportData()).isEqualTo(reportData);
        assertThat(java.util.Arrays.copyOfRange(q.quote(), 568, 632)).isEqualTo(reportData);
    }

    @Test
    void infoDescribesTheApp() throws Exception {
        InfoResponse info = client.info();
        byte[] composeHash = MessageDigest.getInstance("SHA-256")
                .digest(info.tcbInfo().appCompose().getBytes(StandardCharsets.UTF_8));
        assertThat(info.composeHash()).isEqualTo(HEX.formatHex(composeHash));
        assertThat(info.appId()).isEqualTo(info.composeHash().substring(0, 40));
        assertThat(info.tcbInfo().eventLog().stream().filter(e -> e.imr() == 3).map(EventLogEntry::event).limit(8))
                .containsExactly("system-preparing", "app-id", "compose-hash", "instance-id", "boot-mr-done",
                        "key-provider", "storage-fs", "system-ready");
    }

    @Test
    void getKeyChainRecoversToKmsRoot() throws Exception {
        byte[] appId = HEX.parseHex(client.info().appId());
        GetKeyResponse k = client.getKey("wallet/eth", "ethereum", "secp256k1");
        assertThat(k.key()).hasSize(32);
        assertThat(k.signatureChain()).hasSize(2);
        byte[][] keys = AgentEvidence.walkChain("ethereum", AgentEvidence.k256PublicKey(k.key()),
                k.signatureChain().get(0), k.signatureChain().get(1), appId);
        assertThat(keys[1]).isEqualTo(agent.kmsRootPublicKey());
        GetKeyResponse other = client.getKey("wallet/other", "ethereum", "secp256k1");
        assertThat(other.key()).isNotEqualTo(k.key());
        byte[][] otherKeys = AgentEvidence.walkChain("ethereum", AgentEvidence.k256PublicKey(other.key()),
                other.signatureChain().get(0), other.signatureChain().get(1), appId);
        assertThat(otherKeys[0]).as("same app key certifies both").isEqualTo(keys[0]);
        // A chain checked against the wrong purpose no longer recovers to the app key.
        byte[][] wrong = AgentEvidence.walkChain("bitcoin", AgentEvidence.k256PublicKey(k.key()),
                k.signatureChain().get(0), k.signatureChain().get(1), appId);
        assertThat(wrong[1]).isNotEqualTo(agent.kmsRootPublicKey());
    }

    @Test
    void v1KeysChainToTheKmsRootAndTappdAnswersOnItsSocket() throws Exception {
        org.dstack4j.sdk.DstackClientV1 v1 = client.v1();
        assertThat(v1.isAvailable()).isTrue();
        byte[] appId = HEX.parseHex(client.info().appId());
        var k = v1.getKey("wallet/eth", "secp256k1");
        assertThat(k.publicKey()).isEqualTo(AgentEvidence.k256PublicKey(k.key()));
        byte[][] keys = AgentEvidence.walkV1Chain("secp256k1", "wallet/eth", k.publicKey(), k.signatureChain().get(0),
                k.signatureChain().get(1), appId);
        assertThat(keys[1]).isEqualTo(agent.kmsRootPublicKey());
        // a claim read under another domain does not recover to the same app key
        assertThat(AgentEvidence.walkV1Chain("secp256k1", "wallet/btc", k.publicKey(), k.signatureChain().get(0),
                k.signatureChain().get(1), appId)[1]).isNotEqualTo(agent.kmsRootPublicKey());
        var ed = v1.getKey("wallet/eth", "ed25519");
        assertThat(AgentEvidence.walkV1Chain("ed25519", "wallet/eth", ed.publicKey(), ed.signatureChain().get(0),
                ed.signatureChain().get(1), appId)[0]).isEqualTo(keys[0]);
        assertThat(v1.info().appCompose()).isEqualTo(client.info().tcbInfo().appCompose());

        try (var tappd = org.dstack4j.sdk.TappdClient.of(agent.dir.resolve(AgentProcess.TAPPD_SOCKET).toString())) {
            assertThat(tappd.deriveK256Key("wallet/eth", "ethereum")).isEqualTo(client.getKey("wallet/eth", "ethereum", null));
            byte[] data = "tappd".getBytes(StandardCharsets.UTF_8);
            var q = tappd.tdxQuote(data, "sha512");
            assertThat(java.util.Arrays.copyOfRange(q.quote(), 568, 632)).isEqualTo(MessageDigest.getInstance("SHA-512")
                    .digest("app-data:tappd".getBytes(StandardCharsets.UTF_8)));
            assertThat(HEX.formatHex(AgentEvidence.replayRtmr3(q.eventLog())))
                    .isEqualTo(HEX.formatHex(AgentEvidence.quoteRtmr3(q.quote())));
        }
    }

    @Test
    void tlsKeyMatchesItsCertificate() throws Exception {
        GetTlsKeyResponse tls = client.getTlsKey(TlsKeyRequest.forSubject("node.example")
                .withAltNames(List.of("node.example")).withRaTls(true));
        assertThat(tls.certificateChain()).isNotEmpty();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate leaf = (X509Certificate) cf.generateCertificate(
                new ByteArrayInputStream(tls.certificateChain().getFirst().getBytes(StandardCharsets.US_ASCII)));
        assertThat(leaf.getSubjectX500Principal().getName()).contains("node.example");
        String b64 = tls.key().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        ECPrivateKey priv = (ECPrivateKey) KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        ECPublicKey pub = (ECPublicKey) leaf.getPublicKey();
        // The private scalar times G must be the certificate's point: sign with one, verify with the other.
        java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
        s.initSign(priv);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        s.initVerify(pub);
        s.update(new byte[] {1, 2, 3});
        assertThat(s.verify(sig)).isTrue();
        if (tls.certificateChain().size() > 1) {
            X509Certificate ca = (X509Certificate) cf.generateCertificate(
                    new ByteArrayInputStream(tls.certificateChain().get(1).getBytes(StandardCharsets.US_ASCII)));
            leaf.verify(ca.getPublicKey());
        }
    }

    @Test
    void signAndVerify() throws Exception {
        byte[] appId = HEX.parseHex(client.info().appId());
        byte[] data = "dstack4j java parity".getBytes(StandardCharsets.UTF_8);
        SignResponse s = client.sign("secp256k1", data);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(data);
        assertThat(AgentEvidence.verifyK256(s.publicKey(), hash, s.signature())).isTrue();
        assertThat(s.signatureChain()).hasSize(3);
        byte[][] keys = AgentEvidence.walkChain("signing", s.publicKey(), s.signatureChain().get(1),
                s.signatureChain().get(2), appId);
        assertThat(keys[1]).isEqualTo(agent.kmsRootPublicKey());
        assertThat(client.verify("secp256k1", data, s.signature(), s.publicKey())).isTrue();
        assertThat(client.verify("secp256k1", "other".getBytes(StandardCharsets.UTF_8), s.signature(), s.publicKey()))
                .isFalse();

        SignResponse p = client.sign("secp256k1_prehashed", hash);
        assertThat(client.verify("secp256k1_prehashed", hash, p.signature(), p.publicKey())).isTrue();

        SignResponse e = client.sign("ed25519", data);
        assertThat(e.publicKey()).hasSize(32);
        assertThat(client.verify("ed25519", data, e.signature(), e.publicKey())).isTrue();
        byte[] flipped = e.signature();
        flipped[0] ^= 1;
        assertThat(client.verify("ed25519", data, flipped, e.publicKey())).isFalse();
    }
}
