package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Stream;
import org.dstack4j.e2e.FakeAgent.Answer;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.Hex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guest agent faults at step 5, after the registry and a real dockerd proved the image: a faulty
 * agent ({@link FakeAgent} on a unix socket) answering 400, garbage, nothing, a malformed quote, or
 * quotes whose RTMR3 did not move. Every case must fail at {@code measure} naming the socket, within
 * {@code --agent-timeout}, and create no container (a running {@code mpc-node} stays untouched).
 */
@ExtendWith({PrivateDockerdExtension.class, SecretsNeverLeak.class})
class AgentFaultsTest {
    static final Duration BOUND = Duration.ofSeconds(60);
    static final String AGENT_TIMEOUT = "3";

    static PrivateDockerd dockerd;
    static DockerClient docker;
    static HostileRegistry registry;
    static OciImage image;
    /** A real TDX quote (from our simulator) and one taken after an extension, as hex. */
    static String quoteBefore;
    static String quoteAfterOtherEvent;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start(PrivateDockerd engine) throws Exception {
        LaunchOutputs.plant(HostileRegistry.TOKEN);
        dockerd = engine;
        docker = engine.client();
        registry = HostileRegistry.start();
        image = OciImageBuilder.fromHostBusybox().image(OciImage.Format.OCI, OciImageSpec.busybox("agent-faults"));
        registry.publish(HostileLaunch.NAME, image, "latest");
        try (AgentProcess real = AgentProcess.start(); DstackClient c = real.client()) {
            quoteBefore = Hex.encode(c.getQuote(new byte[0]).quote());
            c.emitEvent("not-the-image", new byte[] {1});
            quoteAfterOtherEvent = Hex.encode(c.getQuote(new byte[0]).quote());
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    record AgentCase(String name, Function<String, Answer> script, String fragment, boolean emitReached) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Answer quote(String hex) {
        return new Answer.Json(200, "{\"quote\":\"" + hex + "\",\"event_log\":\"[]\"}");
    }

    static Stream<AgentCase> cases() {
        return Stream.of(
                new AgentCase("GetQuote answers HTTP 400", m -> new Answer.Json(400, "{\"error\":\"bad request\"}"), "GetQuote (before) failed", false),
                new AgentCase("GetQuote never answers", m -> new Answer.Hang(), "no response within 3000 ms", false),
                new AgentCase("GetQuote answers garbage bytes", m -> new Answer.Garbage(new byte[] {0, (byte) 0xff, 'x', '\r', '\n'}),
                        "GetQuote (before) failed", false),
                new AgentCase("GetQuote answers HTTP 200 with HTML", m -> new Answer.Json(200, "<html>"), "GetQuote (before) failed", false),
                new AgentCase("GetQuote answers a quote that is not a TDX quote", m -> quote("00".repeat(64)), "the first quote is malformed", false),
                new AgentCase("EmitEvent answers HTTP 400",
                        m -> m.equals("EmitEvent") ? new Answer.Json(400, "{\"error\":\"no\"}") : quote(quoteBefore),
                        "EmitEvent mpc-image-digest failed", true),
                new AgentCase("EmitEvent never answers", m -> m.equals("EmitEvent") ? new Answer.Hang() : quote(quoteBefore),
                        "EmitEvent mpc-image-digest failed", true),
                new AgentCase("EmitEvent answers garbage", m -> m.equals("EmitEvent") ? new Answer.Garbage("HTTP/9 ?".getBytes(StandardCharsets.US_ASCII))
                        : quote(quoteBefore), "EmitEvent mpc-image-digest failed", true),
                new AgentCase("EmitEvent claims success but RTMR3 did not move", m -> m.equals("EmitEvent") ? new Answer.Json(200, "{}") : quote(quoteBefore),
                        "RTMR3 after EmitEvent is", true),
                new AgentCase("RTMR3 moved by another event", new Function<>() {
                    private int quotes;

                    @Override
                    public synchronized Answer apply(String m) {
                        if (m.equals("EmitEvent")) return new Answer.Json(200, "{}");
                        return quote(quotes++ == 0 ? quoteBefore : quoteAfterOtherEvent);
                    }
                }, "RTMR3 after EmitEvent is", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agentFaultFailsClosed(AgentCase c) throws Exception {
        HostileLaunch launch = new HostileLaunch(dockerd, docker, null, tmp);
        launch.approved(image.imageId());
        launch.userConfig(registry.hostPort(), "latest");
        HostileLaunch.Before before = launch.before();
        registry.script(r -> HostileRegistry.Reply.SERVE); // also clears the recorded requests
        Path socket = Files.createTempDirectory(Path.of("/tmp"), "d4jfa-").resolve("dstack.sock");
        try (FakeAgent agent = FakeAgent.start(socket, c.script())) {
            Cli.Result r = launch.launch("TEE", BOUND, "--dstack-socket", socket.toString(), "--agent-timeout", AGENT_TIMEOUT);

            launch.assertFailedClosed(r, before, "measure", socket.toString(), c.fragment());
            if (c.name().contains("never answers")) {
                assertThat(r.stderr()).as("bounded by --agent-timeout").contains("no response within " + AGENT_TIMEOUT + "000 ms");
            }
            assertThat(agent.calls()).first().isEqualTo("GetQuote");
            assertThat(agent.calls().contains("EmitEvent")).as("EmitEvent reached").isEqualTo(c.emitReached());
            assertThat(registry.requests()).as("the image was validated and pulled first").anyMatch(HostileRegistry.Request::fromEngine);
        }
    }

    @Test
    void staleSocketWithNoAgentFailsAtMeasure() throws Exception {
        HostileLaunch launch = new HostileLaunch(dockerd, docker, null, tmp);
        launch.approved(image.imageId());
        launch.userConfig(registry.hostPort(), "latest");
        HostileLaunch.Before before = launch.before();
        Path socket = Files.createTempDirectory(Path.of("/tmp"), "d4jfa-").resolve("dstack.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket)); // the socket file stays after close: nobody listens
        }
        Cli.Result r = launch.launch("TEE", BOUND, "--dstack-socket", socket.toString(), "--agent-timeout", AGENT_TIMEOUT);

        launch.assertFailedClosed(r, before, "measure", socket.toString(), "GetQuote (before) failed");
    }

    @Test
    void missingSocketFailsBeforeAnythingIsContacted() throws Exception {
        HostileLaunch launch = new HostileLaunch(dockerd, docker, null, tmp);
        launch.approved(image.imageId());
        launch.userConfig(registry.hostPort(), "latest");
        HostileLaunch.Before before = launch.before();
        registry.script(r -> HostileRegistry.Reply.SERVE);
        Path socket = tmp.resolve("no-agent.sock");

        Cli.Result r = launch.launch("TEE", BOUND, "--dstack-socket", socket.toString());

        launch.assertFailedClosed(r, before, "environment", socket.toString(), "does not exist");
        assertThat(registry.requests()).as("the registry is not contacted").isEmpty();
    }
}
