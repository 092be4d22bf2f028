package org.dstack4j.agent.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.dstack4j.agent.api.TeeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16 item 8: the simulator's state is append-only and the event log has an explicit cap. */
class SimulatorEventStorageTest {
    @TempDir
    Path dir;

    private static SimulatorConfig config(Optional<Path> state) {
        return new SimulatorConfig("s", AppCompose.defaults(), MeasurementProfile.defaults(), state);
    }

    private static Path onlyFile(Path state) throws Exception {
        try (Stream<Path> files = Files.list(state)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).hasSize(1);
            return all.getFirst();
        }
    }

    @Test
    void anEmitAppendsToTheStateFileWithoutRewritingIt() throws Exception {
        Path state = dir.resolve("state");
        SimulatedTdx tdx = SimulatedTdx.start(config(Optional.of(state)));
        for (int i = 0; i < 50; i++) {
            tdx.emitEvent("app-" + i, new byte[] {(byte) i});
        }
        Path file = onlyFile(state);
        Object inode = Files.getAttribute(file, "unix:ino");
        byte[] before = Files.readAllBytes(file);

        tdx.emitEvent("one-more", new byte[] {42});

        assertThat(onlyFile(state)).isEqualTo(file);
        assertThat(Files.getAttribute(file, "unix:ino")).as("same file, not a replacement").isEqualTo(inode);
        byte[] after = Files.readAllBytes(file);
        assertThat(Arrays.copyOf(after, before.length)).as("earlier bytes untouched").isEqualTo(before);
        String added = new String(after, before.length, after.length - before.length, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(added).contains("\"one-more\"").endsWith("\n").doesNotContain("app-0");
        assertThat(SimulatedTdx.start(config(Optional.of(state))).rtmr3()).isEqualTo(tdx.rtmr3());
    }

    @Test
    void pastTheCapEmitEventFailsWithAClearErrorAndMeasuresNothing() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(config(Optional.empty()));
        int boot = (int) tdx.measurements().eventLog().stream().filter(e -> e.imr() == 3).count();
        for (int i = boot; i < SimulatedTdx.MAX_EVENTS; i++) {
            tdx.emitEvent("fill", new byte[0]);
        }
        byte[] full = tdx.rtmr3();
        assertThatThrownBy(() -> tdx.emitEvent("mpc-image-digest", new byte[32]))
                .isInstanceOf(TeeException.Rejected.class)
                .hasMessageContaining("event log is full")
                .hasMessageContaining("cap: " + SimulatedTdx.MAX_EVENTS + " events")
                .hasMessageContaining("event not measured");
        assertThat(tdx.rtmr3()).isEqualTo(full);
        assertThat(tdx.measurements().eventLog().stream().filter(e -> e.imr() == 3)).hasSize(SimulatedTdx.MAX_EVENTS);
    }

    @Test
    void payloadBytesAreCappedToo() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(config(Optional.empty()));
        byte[] big = new byte[16 * 1024];
        int accepted = 0;
        TeeException.Rejected refused = null;
        while (refused == null && accepted < 1000) {
            try {
                tdx.emitEvent("big", big);
                accepted++;
            } catch (TeeException.Rejected e) {
                refused = e;
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("bytes of names and payloads");
        assertThat(accepted).isLessThan(64); // 1 MiB of payloads
    }

    @Test
    void aStateDirectoryInTheOldRewrittenFormatIsRefusedByName() throws Exception {
        Path state = Files.createDirectories(dir.resolve("old"));
        Files.writeString(state.resolve("events.json"), "{}");
        assertThatThrownBy(() -> SimulatedTdx.start(config(Optional.of(state))))
                .isInstanceOf(ProfileException.class).hasMessageContaining("events.json")
                .hasMessageContaining("fresh --state-dir");
    }

    @Test
    void theSimulatedBootLogReplaysToTheQuotedRtmr0To2() throws Exception {
        // verifiers replay RTMR0-2 from the log (issue 16 item 9): the simulator's log must pass that too
        SimulatedTdx tdx = SimulatedTdx.start(config(Optional.empty()));
        var m = tdx.measurements();
        org.dstack4j.sdk.EventLog log = org.dstack4j.sdk.EventLog.of(m.eventLog());
        assertThat(log.forRegister(0)).isNotEmpty();
        assertThat(log.replay(0)).isEqualTo(m.rtmr0());
        assertThat(log.replay(1)).isEqualTo(m.rtmr1());
        assertThat(log.replay(2)).isEqualTo(m.rtmr2());
    }
}
