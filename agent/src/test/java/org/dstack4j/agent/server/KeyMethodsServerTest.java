package org.dstack4j.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.K256;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetKey, Sign and Verify over the socket. */
class KeyMethodsServerTest {
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;
    private AgentServer server;
    private AgentClient client;
    private AppKeys keys;

    @BeforeEach
    void start() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig("key-seed", AppCompose.defaults(),
                MeasurementProfile.defaults(), Optional.empty()));
        keys = tdx.appKeys();
        server = AgentServer.start(AgentServer.Config.of(dir.resolve("s.sock")),
                new GuestApi(tdx, keys, tdx.appCa(), new AgentVersion("v", "r")));
        client = new AgentClient(dir.resolve("s.sock"));
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void getKeyDerivesFromTheAppKeyAndSignsItsPurpose() throws Exception {
        var r = client.post("GetKey", "{\"path\":\"wallet/1\",\"purpose\":\"eth\"}");
        assertThat(r.status()).isEqualTo(200);
        byte[] key = HEX.parseHex(r.body().get("key").asText());
        assertThat(key).isEqualTo(AppKeys.deriveKey(keys.k256Key(), "wallet/1".getBytes(StandardCharsets.UTF_8)));
        JsonNode chain = r.body().get("signature_chain");
        assertThat(chain).hasSize(2);
        byte[] sig = HEX.parseHex(chain.get(0).asText());
        byte[] digest = K256.keccak256(("eth:" + HEX.formatHex(K256.publicKey(key))).getBytes(StandardCharsets.UTF_8));
        assertThat(K256.verifyPrehash(K256.publicKey(keys.k256Key()), digest, Arrays.copyOf(sig, 64))).isTrue();
        assertThat(HEX.parseHex(chain.get(1).asText())).isEqualTo(keys.k256Signature());
        // same request, same key; other path, other key; GET works too
        assertThat(client.get("GetKey?path=wallet/1&purpose=eth").body()).isEqualTo(r.body());
        assertThat(client.post("GetKey", "{\"path\":\"wallet/2\"}").body().get("key").asText())
                .isNotEqualTo(r.body().get("key").asText());
    }

    @Test
    void ed25519SignatureVerifiesWithTheJdk() throws Exception {
        var r = client.post("Sign", "{\"algorithm\":\"ed25519\",\"data\":\"68656c6c6f\"}");
        assertThat(r.status()).isEqualTo(200);
        byte[] pub = HEX.parseHex(r.body().get("public_key").asText());
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
                HEX.parseHex("302a300506032b6570032100" + HEX.formatHex(pub)))));
        v.update("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(v.verify(HEX.parseHex(r.body().get("signature").asText()))).isTrue();
        assertThat(r.body().get("signature_chain")).hasSize(3);
        var check = client.post("Verify", "{\"algorithm\":\"ed25519\",\"data\":\"68656c6c6f\",\"signature\":\""
                + r.body().get("signature").asText() + "\",\"public_key\":\"" + HEX.formatHex(pub) + "\"}");
        assertThat(check.body().get("valid").asBoolean()).isTrue();
    }

    @Test
    void secp256k1SignThenVerifyAndTamperedDataFails() throws Exception {
        var r = client.post("Sign", "{\"algorithm\":\"k256\",\"data\":\"0102\"}");
        assertThat(r.status()).isEqualTo(200);
        String sig = r.body().get("signature").asText();
        String pub = r.body().get("public_key").asText();
        assertThat(pub).hasSize(66);
        String verify = "{\"algorithm\":\"secp256k1\",\"data\":\"%s\",\"signature\":\"" + sig + "\",\"public_key\":\"" + pub + "\"}";
        assertThat(client.post("Verify", verify.formatted("0102")).body().get("valid").asBoolean()).isTrue();
        assertThat(client.post("Verify", verify.formatted("0103")).body().get("valid").asBoolean()).isFalse();

        String digest = "ab".repeat(32);
        var pre = client.post("Sign", "{\"algorithm\":\"secp256k1_prehashed\",\"data\":\"" + digest + "\"}");
        assertThat(K256.verifyPrehash(HEX.parseHex(pre.body().get("public_key").asText()), HEX.parseHex(digest),
                HEX.parseHex(pre.body().get("signature").asText()))).isTrue();
    }

    @Test
    void getTlsKeyIssuesAnRaTlsCertificateFromTheAppCa() throws Exception {
        var r = client.post("GetTlsKey", "{\"subject\":\"app.example\",\"alt_names\":[\"app.example\",\"10.0.0.1\"],"
                + "\"usage_ra_tls\":true,\"usage_server_auth\":true,\"with_app_info\":true}");
        assertThat(r.status()).isEqualTo(200);
        String keyPem = r.body().get("key").asText();
        assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
        java.security.PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(
                java.util.Base64.getMimeDecoder().decode(keyPem.replaceAll("-----[A-Z ]+-----", ""))));
        var cf = java.security.cert.CertificateFactory.getInstance("X.509");
        java.util.List<java.security.cert.X509Certificate> chain = new java.util.ArrayList<>();
        for (JsonNode pem : r.body().get("certificate_chain")) {
            chain.add((java.security.cert.X509Certificate) cf.generateCertificate(
                    new java.io.ByteArrayInputStream(pem.asText().getBytes(StandardCharsets.US_ASCII))));
        }
        assertThat(chain).hasSize(2);
        var leaf = chain.get(0);
        leaf.verify(chain.get(1).getPublicKey());
        assertThat(chain.get(1).getSubjectX500Principal().getName()).contains("TEST ONLY");
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=app.example");
        assertThat(leaf.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList()).containsExactly("app.example", "10.0.0.1");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(new byte[] {1});
        byte[] sig = s.sign();
        s.initVerify(leaf.getPublicKey());
        s.update(new byte[] {1});
        assertThat(s.verify(sig)).as("key matches the certificate").isTrue();
        // RA-TLS: the quote binds the certificate's public key
        byte[] quote = octets(leaf.getExtensionValue("1.3.6.1.4.1.62397.1.1"));
        var md = java.security.MessageDigest.getInstance("SHA-512");
        md.update("ratls-cert:".getBytes(StandardCharsets.US_ASCII));
        md.update(leaf.getPublicKey().getEncoded());
        assertThat(new QuoteBytes(quote).reportData()).isEqualTo(md.digest());
        String log = new String(octets(leaf.getExtensionValue("1.3.6.1.4.1.62397.1.2")), StandardCharsets.UTF_8);
        assertThat(AgentClient.JSON.readTree(log).get(0).get("event").asText()).isEqualTo("system-preparing");
        assertThat(HEX.formatHex(octets(leaf.getExtensionValue("1.3.6.1.4.1.62397.1.3"))))
                .isEqualTo(client.post("Info", "{}").body().get("app_id").asText());
        // a second call gives a different random key
        assertThat(client.post("GetTlsKey", "{}").body().get("key").asText()).isNotEqualTo(keyPem);
    }

    /** Extension value: OCTET STRING (from getExtensionValue) wrapping the DER OCTET STRING dstack puts there. */
    private static byte[] octets(byte[] extensionValue) throws Exception {
        assertThat(extensionValue).isNotNull();
        byte[] inner = ((org.bouncycastle.asn1.ASN1OctetString) org.bouncycastle.asn1.ASN1Primitive.fromByteArray(extensionValue)).getOctets();
        return ((org.bouncycastle.asn1.ASN1OctetString) org.bouncycastle.asn1.ASN1Primitive.fromByteArray(inner)).getOctets();
    }

    @Test
    void badKeyRequestsAre400() throws Exception {
        assertThat(client.post("Sign", "{\"algorithm\":\"rsa\",\"data\":\"00\"}").status()).isEqualTo(400);
        assertThat(client.post("Sign", "{\"algorithm\":\"secp256k1_prehashed\",\"data\":\"00\"}").body()
                .get("error").asText()).contains("32-byte digest");
        assertThat(client.post("GetKey", "{\"algorithm\":\"p384\"}").status()).isEqualTo(400);
        assertThat(client.post("Verify", "{\"algorithm\":\"ed25519\",\"data\":\"00\",\"signature\":\"00\","
                + "\"public_key\":\"00\"}").status()).isEqualTo(400);
        assertThat(client.post("GetTlsKey", "{\"not_before\":100,\"not_after\":50}").status()).isEqualTo(400);
        assertThat(client.post("GetTlsKey", "{\"alt_names\":\"x\\u0000y\"}").status()).isEqualTo(400);
        assertThat(client.post("GetTlsKey", "{\"usage_ra_tls\":\"maybe\"}").status()).isEqualTo(400);
    }
}
