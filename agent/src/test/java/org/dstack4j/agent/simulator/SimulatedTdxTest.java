package org.dstack4j.agent.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.agent.api.TeeException;
import org.dstack4j.attestation.policy.ClusterKeyProvider;
import org.dstack4j.attestation.policy.KeyProvider;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedTdxTest {
    /** RTMR3 quoted by a real MPC node on TDX hardware (fixtures/mpc-attestation/2026-08-14). */
    private static final String FIXTURE_RTMR3 =
            "86f1808cffc050f3c0c09d29da2bfcec7eba3e8fa52016a7341f28884230f9ca8b56400413d57bce00b578e36790b555";
    private static final String FIXTURE_IMAGE_DIGEST =
            "564a5aebc33495d5610626d23cb9e3da8e9d531d0edff9e38aa1ccaf059c15d3";

    @TempDir
    Path dir;

    private static SimulatorConfig config(String seed, AppCompose compose, Optional<Path> stateDir) {
        return new SimulatorConfig(seed, compose, MeasurementProfile.defaults(), stateDir);
    }

    @Test
    void defaultBootPlusTheLaunchersEventReproducesTheRealNodesRtmr3() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(config("any-seed", AppCompose.defaults(), Optional.empty()));
        tdx.emitEvent("mpc-image-digest", HexFormat.of().parseHex(FIXTURE_IMAGE_DIGEST));
        assertThat(tdx.rtmr3Hex()).isEqualTo(FIXTURE_RTMR3);
    }

    @Test
    void inClusterModeTheKeyProviderEventNamesTheClusterAndRtmr3Replays() throws Exception {
        ClusterKeyProvider cluster = new ClusterKeyProvider(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
        SimulatedTdx local = SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.empty()));
        SimulatedTdx keyed = SimulatedTdx.start(new SimulatorConfig("s", AppCompose.defaults(), MeasurementProfile.defaults(),
                Optional.empty(), Optional.empty(), Optional.of(cluster)));
        List<EventLogEntry> a = local.measurements().eventLog();
        List<EventLogEntry> b = keyed.measurements().eventLog();
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).event().equals("key-provider")) assertThat(b.get(i)).isNotEqualTo(a.get(i));
            else assertThat(b.get(i)).isEqualTo(a.get(i)); // only the key provider differs
        }
        EventLogEntry kp = b.stream().filter(e -> e.event().equals("key-provider")).findFirst().orElseThrow();
        assertThat(new String(kp.payloadBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"name\":\"dstack4j-cluster\",\"id\":\"eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3\"}");
        assertThat(ClusterKeyProvider.of(KeyProvider.fromPayload(kp.payloadBytes()).orElseThrow())).contains(cluster);
        assertThat(keyed.rtmr3()).isEqualTo(RuntimeEvents.replay(b, 3)).isNotEqualTo(local.rtmr3());
        assertThat(ClusterKeyProvider.of(KeyProvider.fromPayload(a.stream().filter(e -> e.event().equals("key-provider"))
                .findFirst().orElseThrow().payloadBytes()).orElseThrow())).isEmpty(); // the local key provider names no cluster
    }

    @Test
    void restartWithTheStateDirResumesInsteadOfRebooting() throws Exception {
        Optional<Path> state = Optional.of(dir.resolve("state"));
        SimulatedTdx first = SimulatedTdx.start(config("s", AppCompose.defaults(), state));
        first.emitEvent("app-event", new byte[] {1, 2, 3});
        List<EventLogEntry> log = first.measurements().eventLog();

        SimulatedTdx second = SimulatedTdx.start(config("s", AppCompose.defaults(), state));
        assertThat(second.rtmr3()).isEqualTo(first.rtmr3());
        assertThat(second.measurements().eventLog()).isEqualTo(log);
        assertThat(log.stream().filter(e -> e.event().equals("system-ready"))).hasSize(1);

        second.emitEvent("after-restart", new byte[0]);
        SimulatedTdx third = SimulatedTdx.start(config("s", AppCompose.defaults(), state));
        assertThat(third.measurements().eventLog().getLast().event()).isEqualTo("after-restart");
        assertThat(third.rtmr3()).isEqualTo(RuntimeEvents.replay(third.measurements().eventLog(), 3));
    }

    @Test
    void withoutStateDirARestartIsAFreshBoot() throws Exception {
        SimulatedTdx a = SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.empty()));
        byte[] boot = a.rtmr3();
        a.emitEvent("x", new byte[0]);
        SimulatedTdx b = SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.empty()));
        assertThat(b.rtmr3()).isEqualTo(boot);
    }

    @Test
    void corruptOrTamperedStateFailsClosed() throws Exception {
        Path state = dir.resolve("state");
        SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.of(state))).emitEvent("e", new byte[] {7});
        Path file = state.resolve("events.jsonl");
        String good = Files.readString(file);

        Files.writeString(file, good.replace("\"event_payload\":\"07\"", "\"event_payload\":\"08\""));
        assertThatThrownBy(() -> SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.of(state))))
                .isInstanceOf(ProfileException.class).hasMessageContaining("digest that does not match");

        Files.writeString(file, good.replace("\n{", "\nnot json {"));
        assertThatThrownBy(() -> SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.of(state))))
                .isInstanceOf(ProfileException.class).hasMessageContaining("line 2");

        Files.writeString(file, good);
        assertThatThrownBy(() -> SimulatedTdx.start(config("other-seed",
                AppCompose.parse("{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8), "test"), Optional.of(state))))
                .isInstanceOf(ProfileException.class).hasMessageContaining("different app-compose");

        // a torn last line (died mid-append, before EmitEvent answered) is dropped, the rest kept
        Files.writeString(file, good + "{\"imr\":3,\"ev");
        assertThat(SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.of(state))).measurements()
                .eventLog().getLast().event()).isEqualTo("e");
        assertThat(Files.readString(file)).isEqualTo(good);
    }

    @Test
    void anInterruptedFirstBootIsReportedAsIncompleteState() throws Exception {
        Path state = dir.resolve("state");
        SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.of(state)));
        Path file = state.resolve("events.jsonl");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.size()).isGreaterThan(2);
        // as if the agent died after writing two of the boot events
        Files.write(file, lines.subList(0, 2));
        assertThatThrownBy(() -> SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.of(state))))
                .isInstanceOf(ProfileException.class)
                .hasMessageContaining("is incomplete: the first boot stopped after 2 of its " + lines.size() + " boot events")
                .hasMessageContaining("delete the state directory " + state)
                .hasMessageNotContaining("different app-compose");
    }

    @Test
    void instanceIdAndKmsKeyProviderFollowTheAppComposeAndSeed() throws Exception {
        AppCompose kms = AppCompose.parse("{\"name\":\"a\",\"kms_enabled\":true,\"storage_fs\":\"ext4\"}"
                .getBytes(StandardCharsets.UTF_8), "test");
        List<EventLogEntry> one = rt3(SimulatedTdx.start(config("seed-1", kms, Optional.empty())));
        List<EventLogEntry> again = rt3(SimulatedTdx.start(config("seed-1", kms, Optional.empty())));
        List<EventLogEntry> other = rt3(SimulatedTdx.start(config("seed-2", kms, Optional.empty())));
        assertThat(one.get(3).event()).isEqualTo("instance-id");
        assertThat(one.get(3).payloadBytes()).hasSize(20);
        assertThat(again).isEqualTo(one);
        assertThat(other.get(3).eventPayload()).isNotEqualTo(one.get(3).eventPayload());
        String keyProvider = new String(one.get(5).payloadBytes(), StandardCharsets.UTF_8);
        assertThat(keyProvider).matches("\\{\"name\":\"kms\",\"id\":\"0[23][0-9a-f]{64}\"}");
        assertThat(new String(one.get(6).payloadBytes(), StandardCharsets.UTF_8)).isEqualTo("ext4");
    }

    @Test
    void unsupportedOrMismatchedKeyProviderIsRefused() throws Exception {
        AppCompose tpm = AppCompose.parse("{\"key_provider\":\"tpm\"}".getBytes(StandardCharsets.UTF_8), "t");
        assertThatThrownBy(() -> SimulatedTdx.start(config("s", tpm, Optional.empty())))
                .isInstanceOf(ProfileException.class).hasMessageContaining("tpm");
        AppCompose wrongId = AppCompose.parse(("{\"local_key_provider_enabled\":true,\"key_provider_id\":\""
                + "00".repeat(32) + "\"}").getBytes(StandardCharsets.UTF_8), "t");
        assertThatThrownBy(() -> SimulatedTdx.start(config("s", wrongId, Optional.empty())))
                .isInstanceOf(ProfileException.class).hasMessageContaining("key_provider_id");
    }

    @Test
    void theEventLogIsBounded() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(config("s", AppCompose.defaults(), Optional.empty()));
        for (int i = tdx.measurements().eventLog().stream().filter(e -> e.imr() == 3).toList().size();
                i < SimulatedTdx.MAX_EVENTS; i++) {
            tdx.emitEvent("fill", new byte[0]);
        }
        byte[] full = tdx.rtmr3();
        assertThatThrownBy(() -> tdx.emitEvent("one-more", new byte[0])).isInstanceOf(TeeException.Rejected.class);
        assertThat(tdx.rtmr3()).isEqualTo(full);
    }

    @Test
    void badAppComposeIsNamed() {
        assertThatThrownBy(() -> AppCompose.parse("{\"no_instance_id\":\"yes\"}".getBytes(StandardCharsets.UTF_8),
                "compose.json")).isInstanceOf(ProfileException.class)
                .hasMessageContaining("compose.json").hasMessageContaining("no_instance_id");
        assertThatThrownBy(() -> AppCompose.parse("[]".getBytes(StandardCharsets.UTF_8), "c.json"))
                .isInstanceOf(ProfileException.class).hasMessageContaining("JSON object");
    }

    private static List<EventLogEntry> rt3(SimulatedTdx tdx) {
        return tdx.measurements().eventLog().stream().filter(e -> e.imr() == 3).toList();
    }
}
