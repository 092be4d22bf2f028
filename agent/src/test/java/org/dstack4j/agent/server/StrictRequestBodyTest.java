package org.dstack4j.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies have exactly one reading: every body that a lenient decoder would have folded onto
 * another request is refused with 400 and {@code {"error":…}}, and changes nothing.
 */
class StrictRequestBodyTest {
    @TempDir
    Path dir;
    private AgentServer server;
    private AgentClient client;

    @BeforeEach
    void start() throws Exception {
        Path socket = dir.resolve("dstack.sock");
        server = AgentServer.start(AgentServer.Config.of(socket), SimulatorApis.fresh("strict-seed"));
        client = new AgentClient(socket);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        var out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static Stream<Arguments> ambiguousBodies() {
        // {"event":"mpc-image-digest"} with the 'm' spelled as the overlong two-byte form C1 AD
        byte[] overlong = concat(utf8("{\"event\":\""), new byte[] {(byte) 0xC1, (byte) 0xAD},
                utf8("pc-image-digest\",\"payload\":\"00\"}"));
        byte[] encodedSurrogate = concat(utf8("{\"event\":\"app-"), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                utf8("\"}"));
        return Stream.of(
                Arguments.of("EmitEvent", utf8("{\"event\":\"app-\\ud800\"}"), "lone surrogate"),
                Arguments.of("EmitEvent", utf8("{\"event\":\"app-\\udfff\"}"), "lone surrogate"),
                Arguments.of("EmitEvent", utf8("{\"event\":\"app-\\udc00\\ud800\"}"), "lone surrogate"),
                Arguments.of("EmitEvent", utf8("{\"event\":\"ok\",\"x\":[\"\\ud800\"]}"), "lone surrogate"),
                Arguments.of("EmitEvent", utf8("{\"\\ud800\":1,\"event\":\"ok\"}"), "lone surrogate"),
                Arguments.of("EmitEvent", encodedSurrogate, "UTF-8"),
                Arguments.of("EmitEvent", overlong, "UTF-8"),
                Arguments.of("EmitEvent", utf8("{\"event\":\"a\",\"event\":\"b\"}"), "duplicate"),
                Arguments.of("EmitEvent", utf8("{\"event\":\"a\"} {\"event\":\"b\"}"), "nothing after"),
                Arguments.of("EmitEvent", utf8("{\"event\":\"a\"}x"), "JSON"),
                Arguments.of("EmitEvent", "{\"event\":\"a\"}".getBytes(StandardCharsets.UTF_16BE), "JSON"),
                Arguments.of("EmitEvent", "{\"event\":\"a\"}".getBytes(StandardCharsets.UTF_16), "UTF-8"),
                Arguments.of("EmitEvent", "{\"event\":\"a\"}".getBytes(java.nio.charset.Charset.forName("UTF-32LE")),
                        "JSON"),
                Arguments.of("EmitEvent", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                        utf8("{\"event\":\"a\"}")), "JSON"),
                Arguments.of("GetKey", utf8("{\"path\":\"\\ud800\"}"), "lone surrogate"));
    }

    @ParameterizedTest(name = "{0} {2} #{index}")
    @MethodSource("ambiguousBodies")
    void ambiguousBodiesAreRefusedAndChangeNothing(String method, byte[] body, String message) throws Exception {
        String before = rtmr3();
        var reply = client.postBytes(method, body);
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().get("error").asText()).contains(message);
        assertThat(rtmr3()).isEqualTo(before);
    }

    @Test
    void validNonAsciiNamesAndSurrogatePairsAreStillAccepted() throws Exception {
        var pair = client.postBytes("GetKey", utf8("{\"path\":\"\\ud83d\\ude00\"}"));
        var literal = client.postBytes("GetKey", utf8("{\"path\":\"😀\"}"));
        var question = client.postBytes("GetKey", utf8("{\"path\":\"?\"}"));
        assertThat(pair.status()).isEqualTo(200);
        assertThat(pair.body().get("key")).isEqualTo(literal.body().get("key"));
        assertThat(pair.body().get("key")).isNotEqualTo(question.body().get("key"));
        assertThat(client.postBytes("EmitEvent", utf8("{\"event\":\"app-ünï\"}")).status()).isEqualTo(200);
    }

    @Test
    void malformedUtf8InAQueryStringIsA400InTheApisErrorShape() throws Exception {
        for (String q : new String[] {"%ED%A0%80", "%C1%AD", "%FF"}) {
            var reply = client.get("GetKey?path=" + q);
            assertThat(reply.status()).as(q).isEqualTo(400);
            assertThat(reply.body().get("error").asText()).contains("UTF-8");
        }
        assertThat(client.get("GetKey?path=%F0%9F%98%80").body().get("key"))
                .isEqualTo(client.postBytes("GetKey", utf8("{\"path\":\"😀\"}")).body().get("key"));
    }

    private String rtmr3() throws Exception {
        var reply = client.post("GetQuote", "{\"report_data\":\"\"}");
        assertThat(reply.status()).isEqualTo(200);
        byte[] quote = HexFormat.of().parseHex(reply.body().get("quote").asText());
        return HexFormat.of().formatHex(quote, 520, 568);
    }
}
