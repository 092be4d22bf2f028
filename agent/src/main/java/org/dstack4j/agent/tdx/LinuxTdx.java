package org.dstack4j.agent.tdx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.agent.api.TeeBackend;
import org.dstack4j.agent.api.TeeException;
import org.dstack4j.agent.eventlog.EventLogCap;
import org.dstack4j.agent.eventlog.EventLogFile;
import org.dstack4j.agent.eventlog.EventLogFileException;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.BootEvents;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The guest agent's TEE on real Intel TDX under Linux, without dstack: quotes from configfs-tsm
 * ({@link ConfigfsTsm}), RTMR3 extended through sysfs ({@link SysfsRtmr3}), and the runtime event
 * log kept in a JSON-lines file ({@link EventLogFile}).
 *
 * <p><b>Tested only against a fake configfs/sysfs tree</b> (a test thread plays the kernel), not
 * yet on TDX hardware.
 *
 * <p>Trusted-path rules:
 * <ul>
 *   <li>EmitEvent appends the event to the log and fsyncs it, then extends RTMR3, under one lock
 *       (so log order = extension order). If the extension demonstrably did not happen, the append
 *       is undone; if its effect is unknown or wrong, the backend stops serving quotes and events
 *       (every later call fails) rather than hand out a log that does not prove RTMR3.</li>
 *   <li>When the sysfs file is readable, each extension is read back and must equal the replay.</li>
 *   <li>Every quote is taken under the same lock and its RTMR3 must equal the log's replay, else
 *       the quote is refused (something outside the agent extended RTMR3).</li>
 *   <li>On start the log is replayed and compared with the live RTMR3 (sysfs, and a start-up
 *       quote); any mismatch refuses to start. An empty log with RTMR3 all zero is a first boot:
 *       the eight dstack boot events are emitted ({@link BootEvents#sequence}). A non-empty log
 *       must begin with exactly the boot events of this app-compose and key file.</li>
 * </ul>
 *
 * <p>Keys: there is no key provider, so the {@code key-provider} event says {@code none} and the
 * app's secp256k1 key is derived from a local root secret in the key file
 * ({@link LocalKeyFile}); the "KMS" signature in {@code GetKey}'s chain is made by that local
 * root, and GetTlsKey certificates come from a local CA derived from it — nothing outside this
 * CVM trusts either. The app-compose must therefore select key provider {@code none}.
 * MRTD, RTMR0–2, MRCONFIGID, MROWNER and MROWNERCONFIG come from the start-up quote; the
 * RTMR0–2 boot event log (ACPI CCEL) is not read, so the event log holds RTMR3 events only.
 * {@code os_image_hash} and {@code device_id} are 32 zero bytes (dstack's OS image measures them).
 */
public final class LinuxTdx implements TeeBackend {
    /** Most RTMR3 events kept ({@link EventLogCap}); further EmitEvent calls are refused. */
    public static final int MAX_EVENTS = EventLogCap.MAX_EVENTS;
    /** {@code storage-fs} boot payload when the app-compose names none. */
    public static final String DEFAULT_STORAGE_FS = "ext4";

    private static final byte[] STARTUP_REPORT_DATA = Arrays.copyOf(
            "dstack4j agent start-up quote".getBytes(StandardCharsets.US_ASCII), 64);

    private final TdxConfig config;
    private final ConfigfsTsm tsm;
    private final SysfsRtmr3 sysfs;
    private final boolean rtmrReadable;
    private final TdReport staticRegisters;
    private final AppKeys appKeys;
    private final AppCa appCa;
    private final PlatformInfo platform;
    private final Object lock = new Object();
    private final EventLogFile logFile; // guarded by lock
    private final List<EventLogEntry> rtmr3Log = new ArrayList<>(); // guarded by lock
    private final EventLogCap cap = new EventLogCap(); // guarded by lock
    private byte[] rtmr3; // guarded by lock: replay of rtmr3Log
    private String broken; // guarded by lock: why the backend stopped, or null

    private LinuxTdx(TdxConfig config, ConfigfsTsm tsm, SysfsRtmr3 sysfs, boolean rtmrReadable, TdReport startup,
            byte[] rootKey, EventLogFile logFile, List<EventLogEntry> events) {
        this.config = config;
        this.tsm = tsm;
        this.sysfs = sysfs;
        this.rtmrReadable = rtmrReadable;
        this.staticRegisters = startup;
        byte[] appId = Arrays.copyOf(config.appCompose().composeHash(), 20);
        this.appKeys = AppKeys.issuedBy(rootKey, appId);
        this.appCa = AppCa.create(new SeedKdf("dstack4j-tdx-local-ca:"
                + HexFormat.of().formatHex(AppKeys.deriveKey(rootKey, "app-ca".getBytes(StandardCharsets.US_ASCII)))));
        this.platform = new PlatformInfo(config.appCompose().text(),
                "{\"cpu_count\":" + Runtime.getRuntime().availableProcessors() + "}", new byte[32], new byte[32],
                Dmi.read("sys_vendor"), Dmi.read("product_name"));
        this.logFile = logFile;
        this.rtmr3Log.addAll(events);
        events.forEach(cap::count);
        this.rtmr3 = RuntimeEvents.replay(events, 3);
    }

    /**
     * Starts the backend: opens the key file and event log, takes a start-up quote, checks the
     * log against the live RTMR3 and, on first boot, emits the boot events.
     *
     * @throws TdxStartException naming the file or interface when anything is missing or
     *     inconsistent (the agent must not serve then)
     * @throws InterruptedException if interrupted while waiting for the kernel
     */
    public static LinuxTdx start(TdxConfig config) throws TdxStartException, InterruptedException {
        AppCompose compose = config.appCompose();
        if (compose.keyProvider() != AppCompose.KeyProviderKind.NONE) {
            throw new TdxStartException("the app-compose asks for key provider "
                    + compose.keyProvider().name().toLowerCase() + ", but --tdx has no key provider (keys come from "
                    + "the local key file); use an app-compose with \"key_provider\": \"none\"");
        }
        ConfigfsTsm tsm = new ConfigfsTsm(config.reportRoot(), config.ioTimeout());
        SysfsRtmr3 sysfs = new SysfsRtmr3(config.rtmr3File());
        // the interfaces first: on a machine without TDX, leave no files behind
        TdReport startup = switch (tsm.quote(STARTUP_REPORT_DATA)) {
            case ConfigfsTsm.Outcome.Quote q -> q.parsed().tdReport();
            case ConfigfsTsm.Outcome.Failure f -> throw new TdxStartException("cannot take a start-up quote: "
                    + f.reason());
        };
        EventLogFile.Loaded loaded;
        try {
            loaded = EventLogFile.open(config.eventLog());
        } catch (EventLogFileException e) {
            throw new TdxStartException(e.getMessage(), e);
        }
        List<EventLogEntry> events = loaded.events();

        Optional<byte[]> savedKey = LocalKeyFile.read(config.keyFile());
        if (savedKey.isEmpty() && !events.isEmpty()) {
            throw new TdxStartException("key file " + config.keyFile() + " is missing but event log "
                    + config.eventLog() + " is not empty: GetKey results would change; restore the key file");
        }

        byte[] live = startup.rtmr3();
        Optional<byte[]> fromSysfs = sysfs.read();
        if (fromSysfs.isPresent() && !Arrays.equals(fromSysfs.get(), live)) {
            throw new TdxStartException("RTMR3 in " + sysfs.file() + " (" + hex(fromSysfs.get())
                    + ") differs from the start-up quote's (" + hex(live) + "); something is extending RTMR3");
        }
        byte[] replay = RuntimeEvents.replay(events, 3);
        if (!Arrays.equals(replay, live)) {
            throw new TdxStartException(events.isEmpty()
                    ? "RTMR3 is already extended (" + hex(live) + ") but event log " + config.eventLog()
                            + " is empty: the events that extended it are unknown; refusing to start"
                    : "event log " + config.eventLog() + " replays to RTMR3 " + hex(replay) + " but the live RTMR3 is "
                            + hex(live) + "; refusing to start (a stale log from an earlier boot? move it away "
                            + "only if RTMR3 is all zero, i.e. after a reboot)");
        }
        byte[] rootKey = savedKey.isPresent() ? savedKey.get() : LocalKeyFile.create(config.keyFile());
        List<EventLogEntry> boot = bootEvents(compose, rootKey, config.cluster());
        if (!events.isEmpty() && (events.size() < boot.size() || !events.subList(0, boot.size()).equals(boot))) {
            throw new TdxStartException("event log " + config.eventLog() + " begins with other boot events than "
                    + "this app-compose and key file produce; start with the original --app-compose and key file");
        }
        if (loaded.tornTail() > 0) {
            try {
                // the replay matched without it, so the register never saw this interrupted append
                loaded.file().dropTornTail();
            } catch (IOException e) {
                throw new TdxStartException("cannot drop the interrupted last line of " + config.eventLog() + ": "
                        + e.getMessage(), e);
            }
        }
        LinuxTdx tdx = new LinuxTdx(config, tsm, sysfs, fromSysfs.isPresent(), startup, rootKey, loaded.file(),
                events);
        if (events.isEmpty()) {
            for (EventLogEntry e : boot) {
                try {
                    tdx.cap.count(e);
                    tdx.append(e);
                } catch (TeeException ex) {
                    throw new TdxStartException("emitting boot event " + e.event() + " failed: " + ex.getMessage(), ex);
                }
            }
        }
        return tdx;
    }

    private static List<EventLogEntry> bootEvents(AppCompose compose, byte[] rootKey,
            java.util.Optional<org.dstack4j.attestation.policy.ClusterKeyProvider> cluster) {
        byte[] composeHash = compose.composeHash();
        byte[] appId = Arrays.copyOf(composeHash, 20);
        byte[] info = new byte[12 + 20];
        System.arraycopy("instance-id:".getBytes(StandardCharsets.US_ASCII), 0, info, 0, 12);
        System.arraycopy(appId, 0, info, 12, 20);
        byte[] instanceId = compose.noInstanceId() ? new byte[0] : Arrays.copyOf(AppKeys.deriveKey(rootKey, info), 20);
        return BootEvents.sequence(composeHash, instanceId,
                cluster.map(c -> c.payloadJson()).orElse(BootEvents.keyProviderJson("none", "")),
                compose.storageFs().orElse(DEFAULT_STORAGE_FS));
    }

    @Override
    public QuoteEvidence quote(byte[] reportData) throws TeeException {
        if (reportData.length != 64) {
            throw new TeeException.Rejected("report_data must be 64 bytes");
        }
        synchronized (lock) {
            checkUsable();
            ConfigfsTsm.Outcome.Quote q = takeQuote(reportData);
            byte[] quoted = q.parsed().tdReport().rtmr3();
            if (!Arrays.equals(quoted, rtmr3)) {
                throw new TeeException.Failed("the quote's RTMR3 " + hex(quoted) + " is not the replay of the event log "
                        + hex(rtmr3) + ": something outside the agent extended RTMR3; refusing to hand out the quote",
                        null);
            }
            return new QuoteEvidence(q.bytes(), List.copyOf(rtmr3Log));
        }
    }

    @Override
    public void emitEvent(String event, byte[] payload) throws TeeException {
        EventLogEntry entry = EventLogEntry.runtime(event, payload);
        synchronized (lock) {
            checkUsable();
            cap.admit(entry);
            try {
                append(entry);
            } catch (TeeException e) {
                cap.release(entry);
                throw e;
            }
        }
    }

    /** Log append (durable), then extension, then read-back; caller holds the lock (or is start-up). */
    private void append(EventLogEntry entry) throws TeeException {
        byte[] digest = HexFormat.of().parseHex(entry.digest());
        byte[] before = rtmr3;
        byte[] expected = RuntimeEvents.extend(before, digest);
        long undoLength = logFile.length();
        try {
            logFile.append(entry);
        } catch (IOException e) {
            undoAppend(undoLength, "appending to the event log failed: " + e.getMessage());
            throw new TeeException.Failed("appending to event log " + logFile.path() + " failed: " + e.getMessage(), e);
        }
        try {
            sysfs.extend(digest);
        } catch (IOException e) {
            Optional<byte[]> now = currentRtmr3();
            if (now.isPresent() && Arrays.equals(now.get(), before)) {
                undoAppend(undoLength, "extending RTMR3 failed: " + e.getMessage());
                throw new TeeException.Failed("extending RTMR3 through " + sysfs.file() + " failed: " + e.getMessage(), e);
            }
            if (now.isEmpty() || !Arrays.equals(now.get(), expected)) {
                broken = "extending RTMR3 failed with an unknown effect (" + e.getMessage() + ")";
                throw new TeeException.Failed(broken, e);
            }
        }
        if (rtmrReadable) {
            awaitRegister(expected);
        }
        rtmr3Log.add(entry);
        rtmr3 = expected;
    }

    /** Waits (bounded) until sysfs shows the expected value; otherwise the backend stops. */
    private void awaitRegister(byte[] expected) throws TeeException {
        KernelFiles.Poll poll = new KernelFiles.Poll(config.ioTimeout());
        Optional<byte[]> now;
        try {
            while ((now = sysfs.read()).isEmpty() || !Arrays.equals(now.get(), expected)) {
                if (!poll.again()) {
                    broken = "RTMR3 after extension is " + now.map(LinuxTdx::hex).orElse("unreadable")
                            + ", expected " + hex(expected) + ": something else extends RTMR3";
                    throw new TeeException.Failed(broken, null);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broken = "interrupted while checking the RTMR3 extension";
            throw new TeeException.Failed(broken, e);
        }
    }

    private void undoAppend(long length, String why) throws TeeException {
        try {
            logFile.truncate(length);
        } catch (IOException e) {
            broken = why + ", and undoing the log append failed: " + e.getMessage();
            throw new TeeException.Failed(broken, e);
        }
    }

    /** The register now: from sysfs when readable, else from a fresh quote; empty if neither works. */
    private Optional<byte[]> currentRtmr3() {
        Optional<byte[]> s = sysfs.read();
        if (s.isPresent()) {
            return s;
        }
        try {
            return Optional.of(takeQuote(new byte[64]).parsed().tdReport().rtmr3());
        } catch (TeeException e) {
            return Optional.empty();
        }
    }

    private ConfigfsTsm.Outcome.Quote takeQuote(byte[] reportData) throws TeeException {
        try {
            return switch (tsm.quote(reportData)) {
                case ConfigfsTsm.Outcome.Quote q -> q;
                case ConfigfsTsm.Outcome.Failure f -> throw new TeeException.Failed(f.reason(), null);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TeeException.Failed("interrupted while waiting for the quote", e);
        }
    }

    private void checkUsable() throws TeeException {
        if (broken != null) {
            throw new TeeException.Failed("the TDX backend stopped serving: " + broken
                    + "; restart the agent (it checks the log against RTMR3 on start)", null);
        }
    }

    @Override
    public Measurements measurements() {
        synchronized (lock) {
            TdReport r = staticRegisters;
            return new Measurements(r.mrTd(), r.rtmr0(), r.rtmr1(), r.rtmr2(), rtmr3.clone(), r.mrConfigId(),
                    r.mrOwner(), r.mrOwnerConfig(), List.copyOf(rtmr3Log));
        }
    }

    @Override
    public PlatformInfo platform() {
        return platform;
    }

    /** The app's keys, derived from the local root secret (for GetKey, Sign, Verify). */
    public AppKeys appKeys() {
        return appKeys;
    }

    /** The local app CA for GetTlsKey (derived from the root secret; trusted by nobody else). */
    public AppCa appCa() {
        return appCa;
    }

    /** RTMR3 as the event log replays it (and the hardware confirmed), lowercase hex. */
    public String rtmr3Hex() {
        synchronized (lock) {
            return hex(rtmr3);
        }
    }

    /** The event log file. */
    public Path eventLogFile() {
        return config.eventLog();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** DMI facts for Info's cloud_vendor / cloud_product; informational, "" when unreadable. */
    private static final class Dmi {
        static String read(String name) {
            try {
                return KernelFiles.readText(Path.of("/sys/class/dmi/id", name), 256);
            } catch (IOException | RuntimeException e) {
                return "";
            }
        }
    }
}
