package org.dstack4j.agent.tdx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.dstack4j.agent.pki.P256Key;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.agent.pki.TestPki;
import org.dstack4j.agent.quote.QuoteSigner;
import org.dstack4j.agent.quote.TdReport;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * Plays the Linux kernel for a temporary directory laid out like configfs-tsm and the tdx_guest
 * sysfs file: a background thread that populates new report entries ({@code provider},
 * {@code generation}, {@code inblob}), answers a 64-byte {@code inblob} write with a v4 quote
 * (built by the simulator's {@link QuoteSigner} over the current registers and that report data)
 * in {@code outblob} and bumps {@code generation}, and extends its RTMR3 when a 48-byte digest is
 * written to {@code rtmr3:sha384}, leaving the new value there to be read back.
 */
final class FakeTdxKernel implements AutoCloseable {
    private final Path reportRoot;
    private final Path rtmr3File;
    private final MeasurementProfile profile = MeasurementProfile.defaults();
    private final QuoteSigner signer;
    private final Thread thread;
    private final Map<Path, Long> generations = new HashMap<>();
    private final AtomicInteger quotes = new AtomicInteger();
    private final AtomicInteger interfere = new AtomicInteger();
    private volatile String provider = "tdx_guest";
    private volatile boolean running = true;
    private byte[] rtmr3 = new byte[48]; // guarded by this
    private byte[] shown = new byte[48]; // what the rtmr3 file held after our last write

    FakeTdxKernel(Path base) throws IOException {
        this.reportRoot = base.resolve("config/tsm/report");
        this.rtmr3File = base.resolve("devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384");
        Files.createDirectories(reportRoot);
        Files.createDirectories(rtmr3File.getParent());
        Files.write(rtmr3File, rtmr3);
        SeedKdf kdf = new SeedKdf("fake-tdx-kernel");
        this.signer = new QuoteSigner(P256Key.derive(kdf, "attestation-key"), TestPki.create(kdf, profile.pckTcb()),
                profile.qeReport(), profile.qeAuthData(), profile.qeSvn(), profile.pceSvn(), new byte[20]);
        this.thread = new Thread(this::run, "fake-tdx-kernel");
        thread.setDaemon(true);
        thread.start();
    }

    Path reportRoot() {
        return reportRoot;
    }

    Path rtmr3File() {
        return rtmr3File;
    }

    MeasurementProfile profile() {
        return profile;
    }

    /** Quotes produced so far. */
    int quotes() {
        return quotes.get();
    }

    /** The next {@code n} inblob writes race with a foreign writer (generation +2, foreign report data). */
    void interfere(int n) {
        interfere.set(n);
    }

    /** What {@code provider} new entries report. */
    void provider(String name) {
        provider = name;
    }

    synchronized byte[] rtmr3() {
        return rtmr3.clone();
    }

    /** Another party extends RTMR3 (e.g. a second process); the register moves without the agent. */
    synchronized void externalExtend(byte[] digest) throws IOException {
        rtmr3 = RuntimeEvents.extend(rtmr3, digest);
        show();
    }

    private void run() {
        while (running) {
            try {
                step();
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // the agent may remove or rewrite files under us; next pass sees a settled state
            }
        }
    }

    private synchronized void step() throws IOException {
        byte[] written = Files.readAllBytes(rtmr3File);
        if (written.length == 48 && !Arrays.equals(written, shown)) {
            rtmr3 = RuntimeEvents.extend(rtmr3, written);
            show();
        }
        try (Stream<Path> entries = Files.list(reportRoot)) {
            for (Path entry : entries.toList()) {
                serve(entry);
            }
        }
    }

    private void serve(Path entry) throws IOException {
        if (!Files.isDirectory(entry)) {
            return;
        }
        if (!generations.containsKey(entry)) {
            Files.writeString(entry.resolve("provider"), provider + "\n");
            Files.write(entry.resolve("inblob"), new byte[0]);
            replace(entry.resolve("generation"), "0\n".getBytes(StandardCharsets.US_ASCII));
            generations.put(entry, 0L);
            return;
        }
        Path inblob = entry.resolve("inblob");
        byte[] in = Files.readAllBytes(inblob);
        if (in.length != 64) {
            return;
        }
        // consume the write, as the kernel latches inblob into the next report
        Files.write(inblob, new byte[0]);
        long gen = generations.get(entry) + 1;
        byte[] reportData = in;
        if (interfere.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            gen++;
            reportData = new byte[64];
            Arrays.fill(reportData, (byte) 0xee);
        }
        replace(entry.resolve("outblob"), quote(reportData));
        quotes.incrementAndGet(); // before the generation moves: the agent may return as soon as it does
        generations.put(entry, gen);
        replace(entry.resolve("generation"), (gen + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] quote(byte[] reportData) {
        MeasurementProfile p = profile;
        byte[] mrConfigId = new byte[48];
        return signer.sign(new TdReport(p.teeTcbSvn(), p.mrSeam(), p.mrSignerSeam(), p.seamAttributes(),
                p.tdAttributes(), p.xfam(), p.mrtd(), mrConfigId, p.mrOwner(), p.mrOwnerConfig(), p.rtmr0(), p.rtmr1(),
                p.rtmr2(), rtmr3.clone(), reportData));
    }

    private void show() throws IOException {
        replace(rtmr3File, rtmr3);
        shown = rtmr3.clone();
    }

    /** Atomic replacement, so a reader never sees half a value. */
    private static void replace(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}
