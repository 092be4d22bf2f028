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
                new GuestApi(tdx, keys, new AgentVersion("v", "r")));
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
    void badKeyRequestsAre400() throws Exception {
        assertThat(client.post("Sign", "{\"algorithm\":\"rsa\",\"data\":\"00\"}").status()).isEqualTo(400);
        assertThat(client.post("Sign", "{\"algorithm\":\"secp256k1_prehashed\",\"data\":\"00\"}").body()
                .get("error").asText()).contains("32-byte digest");
        assertThat(client.post("GetKey", "{\"algorithm\":\"p384\"}").status()).isEqualTo(400);
        assertThat(client.post("Verify", "{\"algorithm\":\"ed25519\",\"data\":\"00\",\"signature\":\"00\","
                + "\"public_key\":\"00\"}").status()).isEqualTo(400);
    }
}
