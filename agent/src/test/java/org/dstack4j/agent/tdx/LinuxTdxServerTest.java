package org.dstack4j.agent.tdx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.server.AgentServer;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest API over its unix socket, backed by {@link LinuxTdx} on a fake configfs/sysfs tree. */
class LinuxTdxServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void emitEventThenGetQuoteGivesAQuoteWhoseRtmr3IsTheReplayOfTheReturnedLog() throws Exception {
        try (FakeTdxKernel kernel = new FakeTdxKernel(dir.resolve("sys"))) {
            Path log = dir.resolve("events.jsonl");
            LinuxTdx tdx = LinuxTdx.start(new TdxConfig(kernel.reportRoot(), kernel.rtmr3File(), log,
                    TdxConfig.defaultKeyFile(log), AppCompose.parse("{\"name\":\"srv\",\"key_provider\":\"none\"}"
                            .getBytes(StandardCharsets.UTF_8), "test"), Duration.ofSeconds(10)));
            Path socket = dir.resolve("dstack.sock");
            HttpClient http = new HttpClient();
            try (AgentServer server = AgentServer.start(AgentServer.Config.of(socket),
                    new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), AgentVersion.detect()))) {
                http.start();
                assertThat(post(http, socket, "EmitEvent", "{\"event\":\"mpc-image-digest\",\"payload\":\"" + "ab".repeat(32) + "\"}"))
                        .isEmpty();
                JsonNode quoted = post(http, socket, "GetQuote", "{\"report_data\":\"0xc0ffee\"}");
                JsonNode info = post(http, socket, "Info", "{}");

                TdxQuote quote = TdxQuote.parse(HexFormat.of().parseHex(quoted.get("quote").asText()));
                assertThat(HexFormat.of().formatHex(quote.tdReport().reportData())).startsWith("c0ffee00");
                // GetQuote blanks RTMR3 digests as dstack does: recompute them from name and payload
                List<EventLogEntry> events = new ArrayList<>();
                for (JsonNode e : JSON.readTree(quoted.get("event_log").asText())) {
                    EventLogEntry blank = JSON.treeToValue(e, EventLogEntry.class);
                    events.add(EventLogEntry.runtime(blank.event(), blank.payloadBytes()));
                }
                assertThat(events).last().extracting(EventLogEntry::event).isEqualTo("mpc-image-digest");
                assertThat(RuntimeEvents.replay(events, 3)).isEqualTo(quote.tdReport().rtmr3()).isEqualTo(kernel.rtmr3());
                JsonNode tcb = JSON.readTree(info.get("tcb_info").asText());
                assertThat(tcb.get("rtmr3").asText()).isEqualTo(HexFormat.of().formatHex(kernel.rtmr3()));
                assertThat(tcb.get("mrtd").asText()).isEqualTo(HexFormat.of().formatHex(kernel.profile().mrtd()));
                assertThat(info.get("app_name").asText()).isEqualTo("srv");
                assertThat(JSON.readTree(info.get("key_provider_info").asText()).get("name").asText()).isEqualTo("none");
                assertThat(post(http, socket, "GetKey", "{\"path\":\"/a\"}").get("key").asText()).hasSize(64);
                // Attest (v0: SCALE, v1: MessagePack) over the same kernel interfaces
                for (String path : new String[] {"Attest", "v1/Attest"}) {
                    var doc = org.dstack4j.sdk.attestation.VersionedAttestation.decode(HexFormat.of().parseHex(
                            post(http, socket, path, "{\"report_data\":\"0xbeef\"}").get("attestation").asText()));
                    TdxQuote q = TdxQuote.parse(doc.quote());
                    assertThat(HexFormat.of().formatHex(q.tdReport().reportData())).startsWith("beef00");
                    assertThat(doc.reportData()).isEqualTo(q.tdReport().reportData());
                    assertThat(RuntimeEvents.replay(doc.eventLog(), 3)).isEqualTo(q.tdReport().rtmr3()).isEqualTo(kernel.rtmr3());
                }
                assertThat(post(http, socket, "v1/GetKey", "{\"domain\":\"/a\",\"algorithm\":\"ed25519\"}")
                        .get("public_key").asText()).hasSize(64);
            } finally {
                http.stop();
            }
        }
    }

    private static JsonNode post(HttpClient http, Path socket, String method, String body) throws Exception {
        var r = http.newRequest("http://dstack/" + method).transport(new Transport.TCPUnix(socket))
                .method(HttpMethod.POST).timeout(20, TimeUnit.SECONDS)
                .body(new StringRequestContent("application/json", body)).send();
        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(200);
        return JSON.readTree(r.getContentAsString());
    }
}
