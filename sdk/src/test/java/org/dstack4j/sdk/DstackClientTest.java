package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DstackClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    FakeAgent agent;

    @BeforeEach
    void start() throws Exception {
        agent = new FakeAgent(dir.resolve("agent.sock"));
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void getQuotePostsHexReportDataAndParsesTheAnswer() throws Exception {
        var entry = EventLogEntry.runtime("app-id", new byte[] {1, 2});
        String log = EventLog.of(List.of(entry)).toJson();
        agent.script = s -> FakeAgent.Reply.ok(JSON.createObjectNode()
                .put("quote", "0400abff").put("event_log", log).put("report_data", "aa".repeat(64))
                .put("vm_config", "{\"cpu\":2}").put("unknown_future_field", 1).toString());
        try (DstackClient c = agent.client()) {
            GetQuoteResponse r = c.getQuote(new byte[] {(byte) 0xde, (byte) 0xad, 0x0f});
            FakeAgent.Seen seen = agent.seen.getFirst();
            assertThat(seen.method()).isEqualTo("POST");
            assertThat(seen.path()).isEqualTo("/GetQuote");
            assertThat(seen.host()).isEqualTo("dstack");
            assertThat(seen.contentType()).startsWith("application/json");
            assertThat(json(seen.body())).isEqualTo(json("{\"report_data\":\"dead0f\"}"));
            assertThat(r.quote()).containsExactly(0x04, 0x00, 0xab, 0xff);
            assertThat(r.reportData()).hasSize(64).containsOnly((byte) 0xaa);
            assertThat(r.eventLog()).containsExactly(entry);
            assertThat(r.vmConfig()).isEqualTo("{\"cpu\":2}");
            assertThat(r.replayRtmrs().get(3)).isEqualTo(RuntimeEvents.replay(List.of(entry), 3));
        }
    }

    @Test
    void getQuoteRejectsMoreThan64BytesBeforeAnyIo() {
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(() -> c.getQuote(new byte[65])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("65");
            assertThat(agent.seen).isEmpty();
        }
    }

    @Test
    void responseRecordsAreDefensivelyCopied() throws Exception {
        agent.script = s -> FakeAgent.Reply.ok("{\"quote\":\"0102\",\"report_data\":\"\"}");
        try (DstackClient c = agent.client()) {
            GetQuoteResponse r = c.getQuote(new byte[0]);
            r.quote()[0] = 9;
            assertThat(r.quote()).containsExactly(1, 2);
            assertThat(json(agent.seen.getFirst().body()).get("report_data").asText()).isEmpty();
        }
    }

    @Test
    void emitEventSendsNameAndHexPayload() throws Exception {
        try (DstackClient c = agent.client()) {
            c.emitEvent("mpc-image-digest", new byte[] {0x00, 0x7f, (byte) 0x80, (byte) 0xff});
        }
        FakeAgent.Seen seen = agent.seen.getFirst();
        assertThat(seen.path()).isEqualTo("/EmitEvent");
        assertThat(json(seen.body())).isEqualTo(json("{\"event\":\"mpc-image-digest\",\"payload\":\"007f80ff\"}"));
    }

    @Test
    void errorStatusCarriesTheServerMessage() {
        agent.script = s -> new FakeAgent.Reply(400, List.of("{\"error\":\"event name too long\"}"), 0);
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(() -> c.emitEvent("x", new byte[0]))
                    .isInstanceOfSatisfying(DstackException.ErrorStatus.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.serverMessage()).isEqualTo("event name too long");
                        assertThat(e.method()).isEqualTo("EmitEvent");
                        assertThat(e.getMessage()).contains("EmitEvent", "unix:" + agent.socket, "event name too long");
                    });
        }
    }

    @Test
    void nonJsonErrorBodyIsExcerpted() {
        agent.script = s -> new FakeAgent.Reply(500, List.of("internal\nerror"), 0);
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(c::version).isInstanceOfSatisfying(DstackException.ErrorStatus.class,
                    e -> assertThat(e.serverMessage()).isEqualTo("internal error"));
        }
    }

    @Test
    void infoParsesEmbeddedTcbInfoAndToleratesMissingFields() throws Exception {
        var e0 = new EventLogEntry(0, 0x80000001L, "ab".repeat(48), "", "");
        var e3 = EventLogEntry.runtime("compose-hash", new byte[32]);
        var tcb = JSON.createObjectNode().put("mrtd", "11".repeat(48)).put("rtmr3", "33".repeat(48))
                .put("app_compose", "{\"name\":\"x\"}").put("extra", true);
        tcb.set("event_log", JSON.readTree(EventLog.of(List.of(e0, e3)).toJson()));
        agent.script = s -> FakeAgent.Reply.ok(JSON.createObjectNode().put("app_id", "0a0b").put("app_name", "demo")
                .put("tcb_info", tcb.toString()).put("cloud_vendor", "none").toString());
        try (DstackClient c = agent.client()) {
            InfoResponse info = c.info();
            assertThat(agent.seen.getFirst().path()).isEqualTo("/Info");
            assertThat(info.appId()).isEqualTo("0a0b");
            assertThat(info.appName()).isEqualTo("demo");
            assertThat(info.instanceId()).isEmpty();
            assertThat(info.cloudVendor()).isEqualTo("none");
            assertThat(info.tcbInfo().mrtd()).isEqualTo("11".repeat(48));
            assertThat(info.tcbInfo().rtmr(3)).isEqualTo("33".repeat(48));
            assertThat(info.tcbInfo().rtmr0()).isEmpty();
            assertThat(info.tcbInfo().appCompose()).isEqualTo("{\"name\":\"x\"}");
            assertThat(info.tcbInfo().eventLog()).containsExactly(e0, e3);
        }
    }

    @Test
    void infoWithoutTcbInfoIsEmpty() throws Exception {
        agent.script = s -> FakeAgent.Reply.ok("{}");
        try (DstackClient c = agent.client()) {
            assertThat(c.info().tcbInfo()).isEqualTo(TcbInfo.EMPTY);
        }
    }

    @Test
    void tcbInfoThatIsNotJsonIsMalformed() {
        agent.script = s -> FakeAgent.Reply.ok("{\"tcb_info\":\"{not json\"}");
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(c::info).isInstanceOf(DstackException.MalformedResponse.class)
                    .hasMessageContaining("Info.tcb_info");
        }
    }

    @Test
    void versionAndReachability() throws Exception {
        agent.script = s -> FakeAgent.Reply.ok("{\"version\":\"0.5.3\",\"rev\":\"abc\"}");
        try (DstackClient c = agent.client()) {
            assertThat(c.version()).isEqualTo(new VersionResponse("0.5.3", "abc"));
            assertThat(c.isReachable()).isTrue();
            agent.script = s -> new FakeAgent.Reply(404, List.of("not found"), 0);
            assertThat(c.isReachable()).as("an agent answering 404 is there").isTrue();
        }
        try (DstackClient gone = DstackClient.builder().endpoint(dir.resolve("none.sock").toString()).build()) {
            assertThat(gone.isReachable()).isFalse();
        }
    }

    @Test
    void wrongTypesAndBadHexAreMalformedAndNameTheField() {
        agent.script = s -> FakeAgent.Reply.ok("{\"quote\":\"zz\"}");
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(() -> c.getQuote(new byte[1])).isInstanceOf(DstackException.MalformedResponse.class)
                    .hasMessageContaining("GetQuote.quote is not hex").hasMessageNotContaining("zz");
            agent.script = s -> FakeAgent.Reply.ok("{\"report_data\":\"00\"}");
            assertThatThrownBy(() -> c.getQuote(new byte[1])).hasMessageContaining("GetQuote.quote is missing");
            agent.script = s -> FakeAgent.Reply.ok("{\"quote\":\"00\",\"event_log\":\"[{\\\"imr\\\":9,\\\"event_type\\\":1}]\"}");
            assertThatThrownBy(() -> c.getQuote(new byte[1])).isInstanceOf(DstackException.MalformedResponse.class)
                    .hasMessageContaining("event_log[0].imr");
            agent.script = s -> FakeAgent.Reply.ok("{\"version\":5}");
            assertThatThrownBy(c::version).hasMessageContaining("Version.version must be a string");
            agent.script = s -> FakeAgent.Reply.ok("[1,2]");
            assertThatThrownBy(c::version).isInstanceOf(DstackException.MalformedResponse.class);
        }
    }

    @Test
    void nonJsonBodyIsMalformedWithoutEchoingIt() {
        agent.script = s -> FakeAgent.Reply.ok("secret-ish garbage <html>");
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(c::version).isInstanceOf(DstackException.MalformedResponse.class)
                    .hasMessageContaining("not JSON").hasMessageNotContaining("garbage");
        }
    }

    @Test
    void duplicateKeysAreMalformed() {
        agent.script = s -> FakeAgent.Reply.ok("{\"version\":\"1\",\"version\":\"2\"}");
        try (DstackClient c = agent.client()) {
            assertThatThrownBy(c::version).isInstanceOf(DstackException.MalformedResponse.class);
        }
    }

    @Test
    void slowAgentTimesOut() {
        // the reply comes after 30 s (or when the agent closes): a client that did not time out would wait for it
        agent.script = s -> new FakeAgent.Reply(200, List.of("{\"version\":\"x\"}"), 30_000);
        try (DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(agent.socket))
                .timeout(Duration.ofMillis(400)).build()) {
            long t0 = System.nanoTime();
            assertThatThrownBy(c::version).isInstanceOfSatisfying(DstackException.Timeout.class, e -> {
                assertThat(e.timeout()).isEqualTo(Duration.ofMillis(400));
                assertThat(e.getMessage()).contains("Version", "400 ms");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void oversizeResponseIsCutOffWhetherDeclaredOrStreamed() {
        String big = "{\"version\":\"" + "v".repeat(5_000) + "\"}";
        try (DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(agent.socket))
                .maxResponseBytes(1_024).build()) {
            agent.script = s -> FakeAgent.Reply.ok(big);
            assertThatThrownBy(c::version).isInstanceOfSatisfying(DstackException.ResponseTooLarge.class,
                    e -> assertThat(e.limit()).isEqualTo(1_024));
            agent.script = s -> new FakeAgent.Reply(200, List.of(big.substring(0, 800), big.substring(800)), 0);
            assertThatThrownBy(c::version).isInstanceOf(DstackException.ResponseTooLarge.class);
            agent.script = s -> FakeAgent.Reply.ok("{\"version\":\"small\"}");
            assertThat(c.isReachable()).as("client still usable after an abort").isTrue();
        }
    }

    @Test
    void garbageInsteadOfHttpIsMalformed() throws Exception {
        Path sock = dir.resolve("garbage.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread t = Thread.ofVirtual().start(() -> {
                try (SocketChannel ch = server.accept()) {
                    ch.read(ByteBuffer.allocate(4096));
                    ch.write(ByteBuffer.wrap("SSH-2.0-OpenSSH_9.6 hello\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                } catch (Exception ignored) {
                    // the test asserts on the client side
                }
            });
            try (DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(sock))
                    .timeout(Duration.ofSeconds(5)).build()) {
                assertThatThrownBy(c::version).isInstanceOf(DstackException.MalformedResponse.class)
                        .hasMessageContaining("unix:" + sock);
            }
            t.join(5_000);
        }
    }

    @Test
    void missingSocketIsUnreachable() {
        Path missing = dir.resolve("missing.sock");
        try (DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(missing)).build()) {
            assertThatThrownBy(() -> c.emitEvent("x", new byte[0]))
                    .isInstanceOfSatisfying(DstackException.Unreachable.class, e -> {
                        assertThat(e.endpoint()).isEqualTo(new DstackEndpoint.UnixSocket(missing));
                        assertThat(e.getMessage()).contains("EmitEvent", missing.toString(), "does not exist");
                    });
        }
    }

    @Test
    void socketFileWithoutListenerIsUnreachable() throws Exception {
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        } // closed: the file stays, nobody listens, connect is refused
        try (DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(stale)).build()) {
            assertThatThrownBy(c::version).isInstanceOf(DstackException.Unreachable.class).hasMessageContaining("Version");
        }
    }

    @Test
    void refusedTcpPortIsUnreachable() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (DstackClient c = DstackClient.builder().endpoint("http://127.0.0.1:" + port).timeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(c::info).isInstanceOf(DstackException.Unreachable.class)
                    .hasMessageContaining("http://127.0.0.1:" + port);
        }
    }

    @Test
    void keyResponsesHideTheKey() throws Exception {
        agent.script = s -> FakeAgent.Reply.ok("{\"key\":\"" + "5e".repeat(32) + "\",\"signature_chain\":[\"0102\",\"03\"]}");
        try (DstackClient c = agent.client()) {
            GetKeyResponse k = c.getKey("wallet/0", "signing", null);
            assertThat(json(agent.seen.getFirst().body()))
                    .isEqualTo(json("{\"path\":\"wallet/0\",\"purpose\":\"signing\",\"algorithm\":\"secp256k1\"}"));
            assertThat(k.key()).hasSize(32);
            assertThat(k.signatureChain()).hasSize(2);
            assertThat(k.toString()).doesNotContain("5e5e").contains("hidden");
        }
    }

    @Test
    void signAndVerifyRoundTripTheWireFormat() throws Exception {
        agent.script = s -> FakeAgent.Reply.ok(s.path().equals("/Sign")
                ? "{\"signature\":\"aa\",\"signature_chain\":[],\"public_key\":\"bb\"}"
                : "{\"valid\":true}");
        try (DstackClient c = agent.client()) {
            SignResponse r = c.sign("ed25519", new byte[] {1});
            assertThat(r.signature()).containsExactly(0xaa);
            assertThat(r.publicKey()).containsExactly(0xbb);
            assertThat(c.verify("ed25519", new byte[] {1}, new byte[] {2}, new byte[] {3})).isTrue();
        }
        assertThat(json(agent.seen.get(1).body())).isEqualTo(
                json("{\"algorithm\":\"ed25519\",\"data\":\"01\",\"signature\":\"02\",\"public_key\":\"03\"}"));
    }

    @Test
    void tlsKeyRequestFields() throws Exception {
        agent.script = s -> FakeAgent.Reply.ok("{\"key\":\"-----BEGIN PRIVATE KEY-----\",\"certificate_chain\":[\"a\",\"b\"]}");
        try (DstackClient c = agent.client()) {
            var r = c.getTlsKey(TlsKeyRequest.forSubject("n").withAltNames(List.of("n.example")).withRaTls(true));
            assertThat(r.certificateChain()).containsExactly("a", "b");
            assertThat(r.toString()).doesNotContain("PRIVATE");
        }
        JsonNode sent = json(agent.seen.getFirst().body());
        assertThat(sent.get("alt_names").get(0).asText()).isEqualTo("n.example");
        assertThat(sent.get("usage_ra_tls").asBoolean()).isTrue();
        assertThat(sent.has("not_before")).isFalse();
    }
}
