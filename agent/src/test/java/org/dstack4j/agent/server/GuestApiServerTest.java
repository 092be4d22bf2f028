package org.dstack4j.agent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The agent over a real unix socket: framing, every method, errors, quotes and their signatures. */
class GuestApiServerTest {
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;
    private Path socket;
    private AgentServer server;
    private AgentClient client;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("dstack.sock");
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig("test-seed", AppCompose.defaults(),
                MeasurementProfile.defaults(), Optional.empty()));
        server = AgentServer.start(AgentServer.Config.of(socket),
                new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("dstack4j-test", "abc123")));
        client = new AgentClient(socket);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void versionByPostAndGet() throws Exception {
        var post = client.post("Version", "{}");
        var get = client.get("Version");
        assertThat(post.status()).isEqualTo(200);
        assertThat(post.body().get("version").asText()).isEqualTo("dstack4j-test");
        assertThat(post.body().get("rev").asText()).isEqualTo("abc123");
        assertThat(get.body()).isEqualTo(post.body());
    }

    @Test
    void infoWithEmptyBodyEqualsInfoByGetAndDescribesTheApp() throws Exception {
        var post = client.post("Info", null);
        var get = client.get("Info");
        assertThat(post.status()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(post.body());
        JsonNode info = post.body();
        byte[] compose = AppCompose.defaults().raw();
        String composeHash = HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(compose));
        assertThat(info.get("compose_hash").asText()).isEqualTo(composeHash);
        assertThat(info.get("app_id").asText()).isEqualTo(composeHash.substring(0, 40));
        assertThat(info.get("instance_id").asText()).isEmpty(); // default compose has no_instance_id
        assertThat(info.get("app_name").asText()).isEqualTo("mpc-localnet-one-node-1786619449");
        assertThat(info.get("key_provider_info").asText()).startsWith("{\"name\":\"local-sgx\",\"id\":\"");
        JsonNode tcb = AgentClient.JSON.readTree(info.get("tcb_info").asText());
        assertThat(tcb.get("app_compose").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(compose);
        List<EventLogEntry> log = eventLog(tcb.get("event_log").toString());
        assertThat(tcb.get("rtmr3").asText()).isEqualTo(HEX.formatHex(RuntimeEvents.replay(log, 3)));
        assertThat(tcb.get("rtmr0").asText()).isEqualTo(HEX.formatHex(RuntimeEvents.replay(log, 0)));
        assertThat(tcb.get("mr_aggregated").asText()).isEqualTo(info.get("mr_aggregated").asText());
        // dstack's mr_aggregated over the quoted registers (MRCONFIGID is non-zero, so it and MROWNER* count)
        QuoteBytes q = quote("");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String f : List.of("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3")) {
            sha.update(HEX.parseHex(tcb.get(f).asText()));
        }
        sha.update(q.mrConfigId());
        sha.update(new byte[96]);
        assertThat(info.get("mr_aggregated").asText()).isEqualTo(HEX.formatHex(sha.digest()));
        assertThat(info.get("vm_config").asText()).contains("\"os_image_hash\":\"" + info.get("os_image_hash").asText());
    }

    @Test
    void bootEventsAreDstacksInOrderWithTheirPayloads() throws Exception {
        List<EventLogEntry> rt3 = infoLog().stream().filter(e -> e.imr() == 3).toList();
        assertThat(rt3).extracting(EventLogEntry::event).containsExactly("system-preparing", "app-id",
                "compose-hash", "instance-id", "boot-mr-done", "key-provider", "storage-fs", "system-ready");
        assertThat(rt3).extracting(e -> e.payloadBytes().length).containsExactly(0, 20, 32, 0, 0, 92, 3, 0);
        byte[] composeHash = MessageDigest.getInstance("SHA-256").digest(AppCompose.defaults().raw());
        assertThat(rt3.get(2).payloadBytes()).isEqualTo(composeHash);
        assertThat(rt3.get(1).payloadBytes()).isEqualTo(Arrays.copyOf(composeHash, 20));
        assertThat(rt3).allSatisfy(e -> assertThat(e.eventType()).isEqualTo(0x08000001L));
    }

    @Test
    void getQuoteByGetAndPostCarriesPaddedReportDataAndTheLiveRegisters() throws Exception {
        var get = client.get("GetQuote?report_data=0xABCD");
        var post = client.post("GetQuote", "{\"report_data\":\"abcd\"}");
        for (var r : List.of(get, post)) {
            assertThat(r.status()).isEqualTo(200);
            byte[] expected = Arrays.copyOf(new byte[] {(byte) 0xab, (byte) 0xcd}, 64);
            assertThat(r.body().get("report_data").asText()).isEqualTo(HEX.formatHex(expected));
            QuoteBytes q = new QuoteBytes(HEX.parseHex(r.body().get("quote").asText()));
            assertThat(q.reportData()).isEqualTo(expected);
            assertThat(q.u16(0)).isEqualTo(4);
            assertThat(q.u16(2)).isEqualTo(2);
            assertThat(q.u32(4)).isEqualTo(0x81);
            assertThat(HEX.formatHex(Arrays.copyOfRange(q.raw(), 12, 28))).isEqualTo("939a7233f79c4ca9940a0db3957f0607");
            assertThat(q.raw()[48 + 120] & 1).as("td_attributes DEBUG bit").isZero();
            assertThat(q.rtmr3()).isEqualTo(RuntimeEvents.replay(eventLog(r.body().get("event_log").asText()), 3));
            assertThat(r.body().get("vm_config").asText()).startsWith("{");
        }
    }

    @Test
    void emitEventThenQuoteShowsTheEventInRtmr3AndLog() throws Exception {
        byte[] before = quote("").rtmr3();
        var emit = client.post("EmitEvent", "{\"event\":\"mpc-image-digest\",\"payload\":\"0x" + "ab".repeat(32) + "\"}");
        assertThat(emit.status()).isEqualTo(200);
        assertThat(emit.body().isObject() && emit.body().isEmpty()).isTrue();
        var reply = client.post("GetQuote", "{\"report_data\":\"" + "11".repeat(64) + "\"}");
        QuoteBytes q = new QuoteBytes(HEX.parseHex(reply.body().get("quote").asText()));
        List<EventLogEntry> full = infoLog();
        assertThat(q.rtmr3()).isEqualTo(RuntimeEvents.replay(full, 3)).isNotEqualTo(before);
        assertThat(q.reportData()).isEqualTo(HEX.parseHex("11".repeat(64)));
        EventLogEntry last = full.getLast();
        assertThat(last.event()).isEqualTo("mpc-image-digest");
        assertThat(last.payloadBytes()).isEqualTo(HEX.parseHex("ab".repeat(32)));
        // GetQuote's log, as the real agent's: RTMR3 digests blank, RTMR0-2 payloads blank
        List<EventLogEntry> quoted = eventLog(reply.body().get("event_log").asText());
        assertThat(quoted.getLast().event()).isEqualTo("mpc-image-digest");
        assertThat(quoted).filteredOn(e -> e.imr() == 3).allSatisfy(e -> assertThat(e.digest()).isEmpty());
        assertThat(quoted).filteredOn(e -> e.imr() < 3).allSatisfy(e -> {
            assertThat(e.eventPayload()).isEmpty();
            assertThat(e.digest()).hasSize(96);
        });
    }

    @Test
    void quoteIsSignedLikeARealQuoteByTheTestPki() throws Exception {
        QuoteBytes q = quote("42");
        assertThat(q.sigDataLength()).isEqualTo(q.raw().length - 636);
        assertThat(q.certDataType()).isEqualTo(6);
        assertThat(q.certDataSize()).isEqualTo(q.raw().length - 770);
        assertThat(q.innerType()).isEqualTo(5);
        // quote signature: attestation key over header || body
        PublicKey attestationKey = p256(q.attestationKey());
        assertThat(verify(attestationKey, q.signedPart(), q.signature())).isTrue();
        // QE report signed by the PCK certificate's key
        List<X509Certificate> chain = q.chain();
        assertThat(chain).hasSize(3);
        assertThat(verify(chain.get(0).getPublicKey(), q.qeReport(), q.qeReportSignature())).isTrue();
        // QE report binds the attestation key: report_data = SHA-256(attestation key || auth data) || zeros
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(q.attestationKey());
        sha.update(q.authData());
        byte[] qeReportData = Arrays.copyOfRange(q.qeReport(), 320, 384);
        assertThat(Arrays.copyOf(qeReportData, 32)).isEqualTo(sha.digest());
        assertThat(Arrays.copyOfRange(qeReportData, 32, 64)).isEqualTo(new byte[32]);
        // chain: PCK <- platform CA <- self-signed root, all marked TEST ONLY, SGX extension present
        chain.get(0).verify(chain.get(1).getPublicKey());
        chain.get(1).verify(chain.get(2).getPublicKey());
        chain.get(2).verify(chain.get(2).getPublicKey());
        assertThat(chain).allSatisfy(c -> assertThat(c.getSubjectX500Principal().getName()).contains("TEST ONLY"));
        assertThat(chain.get(0).getExtensionValue("1.2.840.113741.1.13.1")).isNotNull();
        // a flipped body byte breaks the quote signature
        byte[] tampered = q.signedPart();
        tampered[520] ^= 1;
        assertThat(verify(attestationKey, tampered, q.signature())).isFalse();
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("Nope", "{}", 404, "Service not found: Nope"),
                Arguments.of("GetQuote", "{\"report_data\":\"xyz1\"}", 400, "hex"),
                Arguments.of("GetQuote", "{\"report_data\":\"abc\"}", 400, "hex"),
                Arguments.of("GetQuote", "{\"report_data\":\"" + "00".repeat(65) + "\"}", 400, "64 bytes"),
                Arguments.of("GetQuote", "{\"report_data\":12}", 400, "string"),
                Arguments.of("GetQuote", "not json", 400, "JSON"),
                Arguments.of("GetQuote", "[1,2]", 400, "object"),
                Arguments.of("EmitEvent", "{}", 400, "missing field event"),
                Arguments.of("EmitEvent", "{\"event\":\"\"}", 400, "empty"),
                Arguments.of("EmitEvent", "{\"event\":\"a\\nb\"}", 400, "control"),
                Arguments.of("EmitEvent", "{\"event\":\"a:b\"}", 400, "':'"),
                Arguments.of("EmitEvent", "{\"event\":\"a\\u202eb\"}", 400, "format"),
                Arguments.of("EmitEvent", "{\"event\":\"a\\u2028b\"}", 400, "line-separator"),
                Arguments.of("EmitEvent", "{\"event\":\"" + "x".repeat(257) + "\"}", 400, "256"),
                Arguments.of("EmitEvent", "{\"event\":\"compose-hash\",\"payload\":\"00\"}", 400, "reserved"),
                Arguments.of("EmitEvent", "{\"event\":\"ok\",\"payload\":\"0g\"}", 400, "hex"),
                Arguments.of("EmitEvent", "{\"event\":\"ok\",\"payload\":\"" + "00".repeat(16 * 1024 + 1) + "\"}",
                        400, "bytes"),
                Arguments.of("EmitEvent", "{\"event\":\"big\",\"payload\":\"" + "0".repeat(70_000) + "\"}", 413,
                        "larger than 65536"));
    }

    @ParameterizedTest(name = "{0} {3}")
    @MethodSource("badRequests")
    void badInputIsRefusedWithJsonErrorAndChangesNothing(String method, String body, int status, String message)
            throws Exception {
        byte[] before = quote("").rtmr3();
        var reply = client.post(method, body);
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.body().get("error").asText()).contains(message);
        assertThat(quote("").rtmr3()).isEqualTo(before);
    }

    @Test
    void badInputByGetIsRefusedToo() throws Exception {
        var reply = client.get("GetQuote?report_data=zz");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().get("error").asText()).contains("report_data");
        assertThat(client.get("EmitEvent?event=x%0Ay").status()).isEqualTo(400);
    }

    @Test
    void v0PrefixServesTheSameMethods() throws Exception {
        assertThat(client.post("v0/Version", "{}").body()).isEqualTo(client.post("Version", "{}").body());
    }

    @Test
    void otherHttpMethodsAreRefused() throws Exception {
        var reply = client.send(HttpMethod.PUT, "Info");
        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.body().get("error").asText()).contains("PUT");
    }

    @Test
    void socketHasMode0660() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
    }

    @Test
    void concurrentEmitsKeepLogOrderEqualToExtensionOrder() throws Exception {
        int threads = 8;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < perThread; i++) {
                        var r = client.post("EmitEvent", "{\"event\":\"t" + id + "\",\"payload\":\""
                                + HEX.formatHex(BigInteger.valueOf(i).toByteArray()) + "\"}");
                        ok += r.status() == 200 ? 1 : 0;
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(perThread);
            }
        } finally {
            pool.shutdownNow();
        }
        QuoteBytes q = quote("");
        List<EventLogEntry> log = infoLog();
        assertThat(log.stream().filter(e -> e.imr() == 3)).hasSize(8 + threads * perThread);
        assertThat(q.rtmr3()).isEqualTo(RuntimeEvents.replay(log, 3));
    }

    @Test
    void closeRemovesTheSocket() {
        server.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void refusesARegularFileAndALiveSocketButReplacesAStaleOne() throws Exception {
        Path file = dir.resolve("file.sock");
        Files.writeString(file, "keep me");
        assertThatThrownBy(() -> AgentServer.start(AgentServer.Config.of(file), api()))
                .isInstanceOf(AgentServerException.class).hasMessageContaining("not a socket");
        assertThat(file).hasContent("keep me");

        assertThatThrownBy(() -> AgentServer.start(AgentServer.Config.of(socket), api()))
                .isInstanceOf(AgentServerException.class).hasMessageContaining("running process");
        assertThat(client.get("Version").status()).isEqualTo(200);

        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale)); // closing does not remove the file: a stale socket
        }
        assertThat(stale).exists();
        try (AgentServer second = AgentServer.start(AgentServer.Config.of(stale), api());
                AgentClient c = new AgentClient(stale)) {
            assertThat(c.get("Version").status()).isEqualTo(200);
        }
    }

    private GuestApi api() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig("other", AppCompose.defaults(),
                MeasurementProfile.defaults(), Optional.empty()));
        return new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("v", "r"));
    }

    private QuoteBytes quote(String reportDataHex) throws Exception {
        var r = client.post("GetQuote", "{\"report_data\":\"" + reportDataHex + "\"}");
        assertThat(r.status()).isEqualTo(200);
        return new QuoteBytes(HEX.parseHex(r.body().get("quote").asText()));
    }

    private List<EventLogEntry> infoLog() throws Exception {
        JsonNode tcb = AgentClient.JSON.readTree(client.post("Info", "{}").body().get("tcb_info").asText());
        return eventLog(tcb.get("event_log").toString());
    }

    private static List<EventLogEntry> eventLog(String json) throws Exception {
        return AgentClient.JSON.readValue(json, new TypeReference<List<EventLogEntry>>() {});
    }

    private static PublicKey p256(byte[] xy) throws Exception {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOf(xy, 32)), new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, params.getParameterSpec(ECParameterSpec.class)));
    }

    private static boolean verify(PublicKey key, byte[] data, byte[] rs) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initVerify(key);
        s.update(data);
        return s.verify(rs);
    }
}
