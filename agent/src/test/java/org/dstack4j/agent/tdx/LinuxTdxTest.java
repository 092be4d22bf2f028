package org.dstack4j.agent.tdx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dstack4j.agent.api.TeeBackend;
import org.dstack4j.agent.api.TeeException;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Linux TDX backend against a fake configfs/sysfs tree whose "kernel" is {@link FakeTdxKernel}. */
class LinuxTdxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMPOSE = "{\"name\":\"tdx-test\",\"key_provider\":\"none\",\"storage_fs\":\"zfs\"}";

    @TempDir
    Path dir;
    FakeTdxKernel kernel;

    @BeforeEach
    void boot() throws Exception {
        kernel = new FakeTdxKernel(dir.resolve("sys"));
    }

    @AfterEach
    void halt() throws Exception {
        kernel.close();
    }

    private TdxConfig config(String compose) throws Exception {
        return config(compose, Duration.ofSeconds(10));
    }

    private TdxConfig config(String compose, Duration ioTimeout) throws Exception {
        Path log = dir.resolve("state/events.jsonl");
        return new TdxConfig(kernel.reportRoot(), kernel.rtmr3File(), log, TdxConfig.defaultKeyFile(log),
                AppCompose.parse(compose.getBytes(StandardCharsets.UTF_8), "test"), ioTimeout);
    }

    private TdxConfig config() throws Exception {
        return config(COMPOSE);
    }

    private List<EventLogEntry> logOnDisk() throws Exception {
        List<EventLogEntry> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("state/events.jsonl"))) {
            out.add(JSON.readValue(line, EventLogEntry.class));
        }
        return out;
    }

    private static byte[] reportData(int fill) {
        byte[] b = new byte[64];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    @Test
    void firstStartExtendsTheHardwareRegisterWithTheBootEvents() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config());

        List<EventLogEntry> log = logOnDisk();
        assertThat(log).extracting(EventLogEntry::event).containsExactly("system-preparing", "app-id",
                "compose-hash", "instance-id", "boot-mr-done", "key-provider", "storage-fs", "system-ready");
        assertThat(log.get(5).payloadBytes()).asString(StandardCharsets.UTF_8).isEqualTo("{\"name\":\"none\",\"id\":\"\"}");
        assertThat(log.get(6).payloadBytes()).asString(StandardCharsets.UTF_8).isEqualTo("zfs");
        assertThat(log.get(3).payloadBytes()).hasSize(20);
        assertThat(kernel.rtmr3()).isEqualTo(RuntimeEvents.replay(log, 3));
        assertThat(tdx.rtmr3Hex()).isEqualTo(HexFormat.of().formatHex(kernel.rtmr3()));
        assertThat(Files.getPosixFilePermissions(TdxConfig.defaultKeyFile(config().eventLog())))
                .hasToString("[OWNER_READ, OWNER_WRITE]");
    }

    @Test
    void quoteComesFromConfigfsWithTheReportDataAndAnEventLogThatReplaysToItsRtmr3() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config());
        tdx.emitEvent("app-started", new byte[] {1, 2, 3});

        TeeBackend.QuoteEvidence evidence = tdx.quote(reportData(0x42));

        TdxQuote quote = TdxQuote.parse(evidence.quote());
        assertThat(quote.tdReport().reportData()).isEqualTo(reportData(0x42));
        assertThat(quote.tdReport().rtmr3()).isEqualTo(RuntimeEvents.replay(evidence.eventLog(), 3));
        assertThat(evidence.eventLog()).last().extracting(EventLogEntry::event).isEqualTo("app-started");
        assertThat(quote.tdReport().mrTd()).isEqualTo(kernel.profile().mrtd());
        TeeBackend.Measurements m = tdx.measurements();
        assertThat(m.mrtd()).isEqualTo(kernel.profile().mrtd());
        assertThat(m.rtmr1()).isEqualTo(kernel.profile().rtmr1());
        assertThat(m.rtmr3()).isEqualTo(kernel.rtmr3());
        // each quote used a fresh entry; the fake tree cannot rmdir them, configfs would
        assertThat(kernel.quotes()).isEqualTo(2);
    }

    @Test
    void emitEventIsDurableAndExtendsTheRegisterInLogOrderUnderConcurrency() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        tdx.emitEvent("e" + thread + "-" + i, new byte[] {(byte) i});
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<EventLogEntry> log = logOnDisk();
        assertThat(log).hasSize(8 + 40);
        assertThat(RuntimeEvents.replay(log, 3)).isEqualTo(kernel.rtmr3());
        assertThat(tdx.measurements().eventLog()).isEqualTo(log);
    }

    @Test
    void restartReplaysTheLogInsteadOfReEmittingAndKeepsTheKeys() throws Exception {
        LinuxTdx first = LinuxTdx.start(config());
        first.emitEvent("mpc-image-digest", new byte[32]);
        byte[] before = kernel.rtmr3();

        LinuxTdx second = LinuxTdx.start(config());

        assertThat(kernel.rtmr3()).isEqualTo(before);
        assertThat(logOnDisk()).hasSize(9);
        assertThat(second.rtmr3Hex()).isEqualTo(first.rtmr3Hex());
        assertThat(second.appKeys()).isEqualTo(first.appKeys());
    }

    @Test
    void refusesToStartWhenTheLogDoesNotReplayToTheLiveRegister() throws Exception {
        LinuxTdx.start(config());
        kernel.externalExtend(new byte[48]);

        assertThatThrownBy(() -> LinuxTdx.start(config())).isInstanceOf(TdxStartException.class)
                .hasMessageContaining("replays to RTMR3").hasMessageContaining("refusing to start");
    }

    @Test
    void refusesToStartWhenTheRegisterIsExtendedButTheLogIsEmpty() throws Exception {
        kernel.externalExtend(new byte[48]);

        assertThatThrownBy(() -> LinuxTdx.start(config())).isInstanceOf(TdxStartException.class)
                .hasMessageContaining("already extended");
        assertThat(Files.size(config().eventLog())).isZero();
    }

    @Test
    void refusesToStartWithADifferentAppCompose() throws Exception {
        LinuxTdx.start(config());

        assertThatThrownBy(() -> LinuxTdx.start(config("{\"name\":\"other\",\"key_provider\":\"none\"}")))
                .isInstanceOf(TdxStartException.class).hasMessageContaining("other boot events");
    }

    @Test
    void refusesAnAppComposeThatNeedsAKeyProvider() {
        assertThatThrownBy(() -> LinuxTdx.start(config("{\"kms_enabled\":true}")))
                .isInstanceOf(TdxStartException.class).hasMessageContaining("\"key_provider\": \"none\"");
    }

    @Test
    void refusesToStartWhenTheKeyFileIsGoneButTheLogIsNot() throws Exception {
        LinuxTdx.start(config());
        Files.delete(config().keyFile());

        assertThatThrownBy(() -> LinuxTdx.start(config())).isInstanceOf(TdxStartException.class)
                .hasMessageContaining("key file").hasMessageContaining("missing");
    }

    @Test
    void refusesAQuoteWhenSomethingOutsideTheAgentExtendedRtmr3() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config());
        kernel.externalExtend(new byte[48]);

        assertThatThrownBy(() -> tdx.quote(reportData(1))).isInstanceOf(TeeException.Failed.class)
                .hasMessageContaining("not the replay of the event log");
    }

    @Test
    void anEmitAfterAForeignExtensionStopsTheBackend() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config(COMPOSE, Duration.ofMillis(300)));
        kernel.externalExtend(new byte[48]);

        assertThatThrownBy(() -> tdx.emitEvent("x", new byte[0])).isInstanceOf(TeeException.Failed.class)
                .hasMessageContaining("something else extends RTMR3");
        assertThatThrownBy(() -> tdx.emitEvent("y", new byte[0])).isInstanceOf(TeeException.Failed.class)
                .hasMessageContaining("stopped serving");
    }

    @Test
    void aConcurrentConfigfsWriterIsDetectedByGenerationAndRetried() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config());
        int before = kernel.quotes();
        kernel.interfere(1);

        TdxQuote quote = TdxQuote.parse(tdx.quote(reportData(7)).quote());

        assertThat(quote.tdReport().reportData()).isEqualTo(reportData(7));
        assertThat(kernel.quotes() - before).isEqualTo(2);
    }

    @Test
    void givesUpAfterBoundedRetriesWhenTheWriterKeepsRacing() throws Exception {
        LinuxTdx tdx = LinuxTdx.start(config());
        kernel.interfere(ConfigfsTsm.ATTEMPTS);

        assertThatThrownBy(() -> tdx.quote(reportData(7))).isInstanceOf(TeeException.Failed.class)
                .hasMessageContaining("no consistent quote after 3 attempts");
    }

    @Test
    void refusesAProviderOtherThanTdxGuest() {
        kernel.provider("sev_guest");

        assertThatThrownBy(() -> LinuxTdx.start(config())).isInstanceOf(TdxStartException.class)
                .hasMessageContaining("\"sev_guest\"").hasMessageContaining("not a TDX guest");
    }

    @Test
    void namesAMissingConfigfsDirectory() throws Exception {
        TdxConfig c = config();
        TdxConfig missing = new TdxConfig(dir.resolve("nope"), c.rtmr3File(), c.eventLog(), c.keyFile(),
                c.appCompose(), c.ioTimeout());

        assertThatThrownBy(() -> LinuxTdx.start(missing)).isInstanceOf(TdxStartException.class)
                .hasMessageContaining(dir.resolve("nope").toString()).hasMessageContaining("does not exist");
    }

    @Test
    void aTornLastLineIsDroppedWhenTheRegisterNeverSawIt() throws Exception {
        LinuxTdx.start(config());
        long complete = Files.size(config().eventLog());
        Files.writeString(config().eventLog(), "{\"imr\":3,\"event_ty", StandardOpenOption.APPEND);

        LinuxTdx again = LinuxTdx.start(config());

        assertThat(Files.size(config().eventLog())).isEqualTo(complete);
        again.emitEvent("after-crash", new byte[0]);
        assertThat(RuntimeEvents.replay(logOnDisk(), 3)).isEqualTo(kernel.rtmr3());
    }

    @Test
    void aTamperedLogLineRefusesToStart() throws Exception {
        LinuxTdx.start(config());
        List<String> lines = new ArrayList<>(Files.readAllLines(config().eventLog()));
        lines.set(6, lines.get(6).replace("\"event\":\"storage-fs\"", "\"event\":\"storage-fz\""));
        Files.write(config().eventLog(), lines);

        assertThatThrownBy(() -> LinuxTdx.start(config())).isInstanceOf(TdxStartException.class)
                .hasMessageContaining("line 7").hasMessageContaining("digest that does not match");
    }
}
