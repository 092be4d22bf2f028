package org.dstack4j.agent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.K256;
import org.dstack4j.agent.keys.KeyDerivationV1;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.AttestResponse;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackClientV1;
import org.dstack4j.sdk.DstackException;
import org.dstack4j.sdk.GetKeyV1Response;
import org.dstack4j.sdk.RuntimeEvents;
import org.dstack4j.sdk.TappdClient;
import org.dstack4j.sdk.TdxQuoteResponse;
import org.dstack4j.sdk.TlsKeyRequest;
import org.dstack4j.sdk.attestation.VersionedAttestation;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The surfaces beyond v0 over real sockets, with the SDK's clients and raw HTTP: v0 Attest, /v1 on the
 * internal socket, Tappd on its own socket, and the Worker listener on loopback TCP. One simulator for
 * the class; every quote is checked by the DCAP verifier under the simulator's test root.
 */
class SurfacesServerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SimulatedTdx tdx;
    static AppKeys keys;
    static AgentServer internal;
    static AgentServer tappdServer;
    static WorkerServer worker;
    static DstackClient dstack;
    static TappdClient tappd;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        tdx = SimulatedTdx.start(new SimulatorConfig("surfaces", AppCompose.defaults(), MeasurementProfile.defaults(),
                Optional.empty()));
        keys = tdx.appKeys();
        GuestApi api = new GuestApi(tdx, keys, tdx.appCa(), new AgentVersion("dstack4j-test", "r1"));
        internal = AgentServer.start(AgentServer.Config.of(dir.resolve("dstack.sock")), api);
        tappdServer = AgentServer.startTappd(AgentServer.Config.of(dir.resolve("tappd.sock")), api);
        worker = WorkerServer.start(WorkerServer.Config.parse("127.0.0.1:0"), api, Map.of());
        dstack = DstackClient.builder().endpoint(dir.resolve("dstack.sock").toString()).build();
        tappd = TappdClient.of(dir.resolve("tappd.sock").toString());
        http = new HttpClient();
        http.start();
    }

    @AfterAll
    static void stop() throws Exception {
        http.stop();
        tappd.close();
        dstack.close();
        worker.close();
        tappdServer.close();
        internal.close();
    }

    // ---- v0 Attest ----

    @Test
    void v0AttestIsAScaleDocumentWhoseQuotePassesDcapAndWhoseLogReplays() throws Exception {
        byte[] rd = "attest-me".getBytes(StandardCharsets.UTF_8);
        AttestResponse a = dstack.attest(rd);
        assertThat(a.attestation()[0]).isZero();
        VersionedAttestation doc = a.decode();
        assertThat(doc.reportData()).isEqualTo(Arrays.copyOf(rd, 64));
        assertQuoteValid(doc.quote(), Arrays.copyOf(rd, 64));
        assertThat(RuntimeEvents.replay(doc.eventLog(), 3)).isEqualTo(TdxQuote.parse(doc.quote()).tdReport().rtmr3());
        assertThat(doc.runtimeEvents()).isEqualTo(VersionedAttestation.runtimeEventsOf(doc.eventLog()));
        assertThat(doc.vmConfig()).isEqualTo(tdx.platform().vmConfig());
        // GET form too, and dstack's limit
        JsonNode viaGet = raw("dstack.sock", HttpMethod.GET, "/Attest?report_data=" + HEX.formatHex(rd), null).json();
        assertThat(VersionedAttestation.decode(HEX.parseHex(viaGet.get("attestation").asText())).reportData())
                .isEqualTo(doc.reportData());
        assertThatThrownBy(() -> dstack.attest(new byte[65])).isInstanceOf(IllegalArgumentException.class);
        Raw tooLong = raw("dstack.sock", HttpMethod.POST, "/Attest", "{\"report_data\":\"" + "00".repeat(65) + "\"}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("error").asText()).contains("64 bytes");
    }

    // ---- /v1 ----

    @Test
    void v1GetKeyFollowsTheV1DerivationAndChain() throws Exception {
        DstackClientV1 v1 = dstack.v1();
        for (String algorithm : List.of("secp256k1", "ed25519")) {
            GetKeyV1Response k = v1.getKey("k\u0000:ey/1", algorithm);
            byte[] domain = "k\u0000:ey/1".getBytes(StandardCharsets.UTF_8);
            assertThat(k.key()).isEqualTo(KeyDerivationV1.deriveKey(keys.k256Key(), algorithm, domain));
            assertThat(k.signatureChain()).hasSize(2);
            byte[] digest = K256.keccak256(KeyDerivationV1.claim(algorithm, domain, k.publicKey()));
            assertThat(K256.verifyPrehash(K256.publicKey(keys.k256Key()), digest,
                    Arrays.copyOf(k.signatureChain().get(0), 64))).isTrue();
            assertThat(k.signatureChain().get(1)).isEqualTo(keys.k256Signature());
        }
        assertThat(v1.getKey("x", "secp256k1").publicKey()).hasSize(33);
        assertThat(v1.getKey("x", "ed25519").publicKey()).hasSize(32);
        // a v1 key is not the v0 key of the same name
        assertThat(v1.getKey("x", "secp256k1").key()).isNotEqualTo(dstack.getKey("x", "", "secp256k1").key());
        // GET form answers the same
        JsonNode viaGet = raw("dstack.sock", HttpMethod.GET, "/v1/GetKey?domain=x&algorithm=ed25519", null).json();
        assertThat(HEX.parseHex(viaGet.get("key").asText())).isEqualTo(v1.getKey("x", "ed25519").key());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/v1/GetKey|{\"domain\":\"x\"}|400|none given",
        "/v1/GetKey|{\"domain\":\"x\",\"algorithm\":\"k256\"}|400|unsupported algorithm 'k256'",
        "/v1/GetKey|{\"domain\":\"x\",\"algorithm\":\"secp256k1_prehashed\"}|400|unsupported algorithm",
        "/v1/GetKey|{\"domain\":5,\"algorithm\":\"ed25519\"}|400|domain must be a string",
        "/v1/Attest|{\"report_data\":\"zz\"}|400|not valid hex",
        "/v1/Attest|{\"report_data\":\"abc\"}|400|not valid hex",
        "/v1/IssueCert|{\"subject\":\"a\",\"not_before\":100,\"not_after\":100}|400|not_after must be later",
        "/v1/Sign|{}|404|Service not found: Sign",
        "/v1/EmitEvent|{}|404|Service not found: EmitEvent",
        "/v1/GetQuote|{}|404|Service not found: GetQuote",
        "/Nope|{}|404|Service not found: Nope",
        "/v0/Nope|{}|404|Service not found: Nope",
    })
    void hostileV1InputsGetDstacksStatusAndErrorShape(String path, String body, int status, String message) throws Exception {
        Raw r = raw("dstack.sock", HttpMethod.POST, path, body);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.json().get("error").asText()).contains(message);
        assertThat(r.json().size()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"/v2/GetKey", "/v1/a/GetKey", "/prpc/Tappd.Info", "/v1x/Version"})
    void pathsWhereNoSurfaceIsMountedGetAPlainNotFound(String path) throws Exception {
        Raw r = raw("dstack.sock", HttpMethod.POST, path, "{}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).doesNotContain("json");
        assertThat(r.body()).doesNotContain("Service not found");
        // which is how the SDK's probe tells "no v1" from "v1 lacks a method"
        assertThat(dstack.v1().isAvailable()).isTrue();
    }

    @Test
    void v1AttestIsAMessagePackDocumentAndInfoHasTheV1Shape() throws Exception {
        DstackClientV1 v1 = dstack.v1();
        byte[] rd = new byte[64];
        Arrays.fill(rd, (byte) 7);
        AttestResponse a = v1.attest(rd);
        assertThat(VersionedAttestation.formOf(a.attestation())).isEqualTo(VersionedAttestation.Form.V1_MSGPACK);
        assertQuoteValid(a.decode().quote(), rd);
        JsonNode raw = raw("dstack.sock", HttpMethod.POST, "/v1/Attest", "{\"report_data\":\"00\"}").json();
        assertThat(raw.get("boottime_gpu_evidence")).isEmpty();

        var info = v1.info();
        assertThat(info.appCompose()).isEqualTo(tdx.platform().appCompose());
        assertThat(HEX.parseHex(info.composeHash()))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(info.appCompose().getBytes(StandardCharsets.UTF_8)));
        assertThat(info.appId()).isEqualTo(dstack.info().appId());
        JsonNode infoJson = raw("dstack.sock", HttpMethod.GET, "/v1/Info", null).json();
        assertThat(infoJson.has("tcb_info")).isFalse();
        assertThat(infoJson.has("app_cert")).isFalse();
        assertThat(v1.version().version()).isEqualTo("dstack4j-test");
        var cert = v1.issueCert(TlsKeyRequest.forSubject("app.example"));
        assertThat(cert.certificateChain()).isNotEmpty();
    }

    @Test
    void v0EmitEventStillExtendsRtmr3() throws Exception {
        byte[] before = TdxQuote.parse(dstack.getQuote(new byte[0]).quote()).tdReport().rtmr3();
        dstack.emitEvent("surfaces-test", new byte[] {1, 2});
        byte[] after = TdxQuote.parse(dstack.getQuote(new byte[0]).quote()).tdReport().rtmr3();
        assertThat(after).isNotEqualTo(before);
        assertThat(raw("dstack.sock", HttpMethod.POST, "/v0/EmitEvent", "{\"event\":\"surfaces-v0\",\"payload\":\"\"}").status())
                .isEqualTo(200);
    }

    // ---- Tappd ----

    @Test
    void tappdQuotesHashPrefixAndDataWithEachAlgorithm() throws Exception {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        TdxQuoteResponse q = tappd.tdxQuote(data, null);
        assertThat(q.hashAlgorithm()).isEqualTo("sha512");
        assertThat(q.prefix()).isEqualTo("app-data");
        assertThat(TdxQuote.parse(q.quote()).tdReport().reportData())
                .isEqualTo(MessageDigest.getInstance("SHA-512").digest("app-data:hello".getBytes(StandardCharsets.UTF_8)));
        assertQuoteValid(q.quote(), null);
        byte[] sha256 = TdxQuote.parse(tappd.tdxQuote(data, "sha256").quote()).tdReport().reportData();
        assertThat(sha256).isEqualTo(Arrays.copyOf(MessageDigest.getInstance("SHA-256")
                .digest("app-data:hello".getBytes(StandardCharsets.UTF_8)), 64));
        byte[] custom = TdxQuote.parse(tappd.tdxQuote(data, "sha3-256", "mine").quote()).tdReport().reportData();
        assertThat(custom).isEqualTo(Arrays.copyOf(digest(new SHA3Digest(256), "mine:hello"), 64));
        byte[] keccak = TdxQuote.parse(tappd.tdxQuote(data, "keccak512").quote()).tdReport().reportData();
        assertThat(keccak).isEqualTo(digest(new KeccakDigest(512), "app-data:hello"));
        for (String h : List.of("sha384", "sha3-384", "sha3-512", "keccak256", "keccak384")) {
            assertThat(tappd.tdxQuote(data, h).hashAlgorithm()).isEqualTo(h);
        }
        byte[] raw64 = new byte[64];
        raw64[5] = 9;
        TdxQuoteResponse rq = tappd.rawQuote(raw64);
        assertThat(rq.hashAlgorithm()).isEqualTo("raw");
        assertThat(rq.prefix()).isEmpty();
        assertThat(TdxQuote.parse(rq.quote()).tdReport().reportData()).isEqualTo(raw64);
        assertThatThrownBy(() -> tappd.tdxQuote(data, "md5")).isInstanceOfSatisfying(DstackException.ErrorStatus.class,
                e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> tappd.tdxQuote(data, "raw")).hasMessageContaining("exactly 64 bytes");
    }

    @Test
    void tappdKeysInfoAndVersion() throws Exception {
        var k = tappd.deriveK256Key("wallet", "eth");
        assertThat(k).isEqualTo(dstack.getKey("wallet", "eth", "secp256k1"));
        var tls = tappd.deriveKey("my-app", "app.example", List.of("alt.example"));
        assertThat(tls.certificateChain()).isNotEmpty();
        X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(tls.certificateChain().get(0).getBytes(StandardCharsets.US_ASCII)));
        // deterministic: the same path derives the same P-256 key
        var again = tappd.deriveKey("my-app", "other.example", List.of());
        X509Certificate leaf2 = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(again.certificateChain().get(0).getBytes(StandardCharsets.US_ASCII)));
        assertThat(leaf2.getPublicKey()).isEqualTo(leaf.getPublicKey());
        assertThat(tappd.info().appId()).isEqualTo(dstack.info().appId());
        assertThat(tappd.version().version()).isEqualTo("dstack4j-test");
        // unversioned method name and GET form as dstack's prpc routes take them
        assertThat(raw("tappd.sock", HttpMethod.GET, "/prpc/Version", null).status()).isEqualTo(200);
        Raw unknown = raw("tappd.sock", HttpMethod.POST, "/prpc/Tappd.GetKey", "{}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).isEqualTo("Service not found: GetKey");
        assertThat(raw("tappd.sock", HttpMethod.POST, "/GetKey", "{}").status()).isEqualTo(404);
    }

    // ---- Worker ----

    @Test
    void workerHidesTcbInfoAndAttestsTheAppKey() throws Exception {
        JsonNode info = worker("GET", "/prpc/Worker.Info", null).json();
        assertThat(info.get("tcb_info").asText()).isEmpty();
        assertThat(info.get("vm_config").asText()).isEmpty();
        assertThat(info.get("app_id").asText()).isEqualTo(dstack.info().appId());
        assertThat(info.get("key_provider_info").asText()).isNotEmpty();
        JsonNode v1Info = worker("POST", "/prpc/v1/Info", "{}").json();
        assertThat(v1Info.get("app_compose").asText()).isEmpty();
        assertThat(v1Info.get("key_provider_info").asText()).isEmpty();
        assertThat(worker("GET", "/prpc/v0/Version", null).json().get("version").asText()).isEqualTo("dstack4j-test");
        assertThat(worker("GET", "/prpc/v1/Health", null).json().get("healthy").asBoolean()).isTrue();

        for (String algorithm : List.of("ed25519", "secp256k1")) {
            JsonNode q = worker("POST", "/prpc/Worker.GetAttestationForAppKey", "{\"algorithm\":\"" + algorithm + "\"}").json();
            byte[] rd = HEX.parseHex(q.get("report_data").asText());
            String text = new String(rd, StandardCharsets.US_ASCII).replace("\u0000", "");
            String prefix = algorithm.equals("ed25519") ? "dip1::ed25519-pk:" : "dip1::secp256k1c-pk:";
            assertThat(text).startsWith(prefix);
            byte[] pk = Base64.getUrlDecoder().decode(text.substring(prefix.length()));
            // the key Sign uses (path vms, purpose signing)
            assertThat(pk).isEqualTo(dstack.sign(algorithm, new byte[] {1}).publicKey());
            assertQuoteValid(HEX.parseHex(q.get("quote").asText()), rd);
        }
        Raw bad = worker("POST", "/prpc/Worker.GetAttestationForAppKey", "{\"algorithm\":\"rsa\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).contains("Unsupported algorithm");
        // no key material and no internal methods here
        for (String p : List.of("/prpc/Worker.GetKey", "/prpc/v1/GetKey", "/prpc/v1/GetAttestationForAppKey")) {
            Raw r = worker("POST", p, "{}");
            assertThat(r.status()).as(p).isEqualTo(404);
            assertThat(r.json().get("error").asText()).startsWith("Service not found");
        }
        Raw page = worker("GET", "/GetKey", null);
        assertThat(page.status()).isEqualTo(404);
        assertThat(page.contentType()).doesNotContain("json");
    }

    @Test
    void workerShowsTcbInfoWhenTheAppComposeAllowsIt() throws Exception {
        AppCompose open = AppCompose.parse(("{\"manifest_version\":2,\"name\":\"pub\",\"runner\":\"docker-compose\","
                + "\"docker_compose_file\":\"\",\"kms_enabled\":true,\"key_provider\":\"kms\",\"public_tcbinfo\":true}")
                .getBytes(StandardCharsets.UTF_8), "test");
        SimulatedTdx t = SimulatedTdx.start(new SimulatorConfig("surfaces-public", open, MeasurementProfile.defaults(),
                Optional.empty()));
        try (WorkerServer w = WorkerServer.start(WorkerServer.Config.parse("127.0.0.1:0"),
                new GuestApi(t, t.appKeys(), t.appCa(), new AgentVersion("v", "r")), Map.of())) {
            URI base = URI.create("http://127.0.0.1:" + w.address().getPort());
            JsonNode info = JSON.readTree(http.newRequest(base.resolve("/prpc/Info")).timeout(20, TimeUnit.SECONDS).send()
                    .getContentAsString());
            assertThat(JSON.readTree(info.get("tcb_info").asText()).get("app_compose").asText()).contains("public_tcbinfo");
            JsonNode v1 = JSON.readTree(http.newRequest(base.resolve("/prpc/v1/Info")).timeout(20, TimeUnit.SECONDS).send()
                    .getContentAsString());
            assertThat(v1.get("app_compose").asText()).isEqualTo(open.text());
        }
    }

    @Test
    void oversizeBodiesAreRefusedOnEveryListener() throws Exception {
        String huge = "{\"report_data\":\"" + "00".repeat(40_000) + "\"}";
        assertThat(raw("dstack.sock", HttpMethod.POST, "/v1/Attest", huge).status()).isEqualTo(413);
        assertThat(raw("tappd.sock", HttpMethod.POST, "/prpc/Tappd.TdxQuote", huge).status()).isEqualTo(413);
        assertThat(worker("POST", "/prpc/Worker.Info", huge).status()).isEqualTo(413);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "tappd.sock|/prpc/Tappd.TdxQuote|{\"report_data\":\"xyz\"}|400|not valid hex",
        "tappd.sock|/prpc/Tappd.TdxQuote|{\"report_data\":\"00\",\"hash_algorithm\":\"SHA512\"}|400|invalid hash algorithm",
        "tappd.sock|/prpc/Tappd.RawQuote|{\"report_data\":\"00\"}|400|exactly 64 bytes",
        "tappd.sock|/prpc/Tappd.DeriveKey|{\"path\":7}|400|path must be a string",
        "tappd.sock|/prpc/Tappd.Nope|{}|404|Service not found: Nope",
        "worker|/prpc/Worker.GetAttestationForAppKey|{}|400|Unsupported algorithm (none given)",
        "worker|/prpc/Worker.GetAttestationForAppKey|{\"algorithm\":\"secp256k1_prehashed\"}|400|Unsupported algorithm",
        "worker|/prpc/v1/Sign|{}|404|Service not found: Sign",
        "worker|/prpc/Worker.Info|[1]|400|JSON object",
    })
    void hostileTappdAndWorkerInputs(String listener, String path, String body, int status, String message) throws Exception {
        Raw r = listener.equals("worker") ? worker("POST", path, body) : raw(listener, HttpMethod.POST, path, body);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.json().get("error").asText()).contains(message);
    }

    @ParameterizedTest
    @CsvSource({"tappd.sock,/prpc/v1/Info", "tappd.sock,/Info", "worker,/prpc/v2/Info", "worker,/prpc/v1/a/Info", "worker,/v1/Info"})
    void wrongVersionPrefixesOnTheOtherListenersGetAPlainNotFound(String listener, String path) throws Exception {
        Raw r = listener.equals("worker") ? worker("GET", path, null) : raw(listener, HttpMethod.GET, path, null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).doesNotContain("json");
    }

    // ---- helpers ----

    record Raw(int status, String contentType, String body) {
        JsonNode json() throws Exception {
            assertThat(contentType).startsWith("application/json");
            return JSON.readTree(body);
        }
    }

    private static Raw raw(String socket, HttpMethod method, String path, String body) throws Exception {
        var req = http.newRequest("http://dstack" + path).transport(new Transport.TCPUnix(dir.resolve(socket)))
                .method(method).timeout(20, TimeUnit.SECONDS);
        if (body != null) req.body(new StringRequestContent("application/json", body));
        return raw(req.send());
    }

    private static Raw worker(String method, String path, String body) throws Exception {
        var req = http.newRequest("http://127.0.0.1:" + worker.address().getPort() + path).method(method)
                .timeout(20, TimeUnit.SECONDS);
        if (body != null) req.body(new StringRequestContent("application/json", body));
        return raw(req.send());
    }

    private static Raw raw(ContentResponse r) {
        String ct = r.getHeaders().get("Content-Type");
        return new Raw(r.getStatus(), ct == null ? "" : ct, r.getContentAsString());
    }

    private static void assertQuoteValid(byte[] quote, byte[] reportData) throws Exception {
        X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(tdx.testRootPem().getBytes(StandardCharsets.US_ASCII)));
        var v = DcapVerifier.withTrustedRoot(root).verify(quote,
                CollateralJson.parse(tdx.collateral().toJson().getBytes(StandardCharsets.UTF_8)), Instant.now(), false);
        assertThat(v.valid()).as(String.valueOf(v.firstFailure())).isTrue();
        if (reportData != null) {
            assertThat(TdxQuote.parse(quote).tdReport().reportData()).isEqualTo(reportData);
        }
    }

    private static byte[] digest(org.bouncycastle.crypto.Digest d, String text) {
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        d.update(in, 0, in.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
    }
}
