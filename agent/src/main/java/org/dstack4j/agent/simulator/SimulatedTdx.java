package org.dstack4j.agent.simulator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.agent.api.TeeBackend;
import org.dstack4j.agent.api.TeeException;
import org.dstack4j.agent.eventlog.EventLogCap;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.agent.pki.P256Key;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.agent.pki.TestPki;
import org.dstack4j.agent.quote.QuoteSigner;
import org.dstack4j.agent.quote.TdReport;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * A software TDX CVM as dstack sets it up: MRTD and RTMR0–2 from the measurement profile, RTMR3
 * kept in software and extended by the boot events and {@code EmitEvent}, quotes signed by a
 * seeded TEST PKI ({@link TestPki}, never trusted by a production verifier).
 *
 * <p>Append and extend happen under one lock, and with a state directory the log is durable
 * before {@link #emitEvent} returns. A restart with an existing state directory reloads and
 * replays the log instead of re-emitting boot events (a restart is not a reboot).
 * MRCONFIGID = {@code 0x01 ‖ compose-hash ‖ zeros}, as dstack's VMM sets it.
 */
public final class SimulatedTdx implements TeeBackend {
    /** Most RTMR3 events kept ({@link EventLogCap}); further EmitEvent calls are refused. */
    public static final int MAX_EVENTS = EventLogCap.MAX_EVENTS;

    private final MeasurementProfile profile;
    private final AppCompose compose;
    private final QuoteSigner signer;
    private final byte[] mrConfigId;
    private final Optional<EventLogStore> store;
    private final AppKeys appKeys;
    private final AppCa appCa;
    private final TestPki pki;
    private final byte[] kmsRootPublicKey;
    private final Object lock = new Object();
    private final List<EventLogEntry> rtmr3Log = new ArrayList<>(); // guarded by lock
    private byte[] rtmr3 = new byte[RuntimeEvents.RTMR_SIZE]; // guarded by lock
    private final EventLogCap cap = new EventLogCap(); // guarded by lock

    private SimulatedTdx(SimulatorConfig config, SeedKdf kdf, Optional<EventLogStore> store) {
        this.profile = config.profile();
        this.compose = config.appCompose();
        this.store = store;
        this.pki = TestPki.create(config.pkiSeed().isPresent() ? new SeedKdf(config.pkiSeed().get()) : kdf, profile.pckTcb());
        byte[] userData = Arrays.copyOf(kdf.derive("qe-user-data", 16), 20); // QE id then 4 zero bytes, as real quotes
        this.signer = new QuoteSigner(P256Key.derive(kdf, "attestation-key"), pki, profile.qeReport(),
                profile.qeAuthData(), profile.qeSvn(), profile.pceSvn(), userData);
        this.appKeys = SimulatedKms.appKeys(kdf, Arrays.copyOf(compose.composeHash(), 20));
        this.appCa = AppCa.create(kdf);
        this.kmsRootPublicKey = SimulatedKms.rootPublicKey(kdf);
        this.mrConfigId = new byte[48];
        mrConfigId[0] = 0x01;
        System.arraycopy(compose.composeHash(), 0, mrConfigId, 1, 32);
    }

    /**
     * Boots (or, with an existing state directory, resumes) a simulated CVM.
     *
     * @throws ProfileException if the app-compose cannot be simulated, or the state directory is
     *     unreadable, corrupt, or was created by a different app-compose, seed or profile
     */
    public static SimulatedTdx start(SimulatorConfig config) throws ProfileException {
        SeedKdf kdf = new SeedKdf(config.seed());
        List<EventLogEntry> boot = BootEvents.compute(config.appCompose(), config.profile(), kdf, config.cluster());
        Optional<EventLogStore> store = config.stateDir().map(EventLogStore::new);
        SimulatedTdx tdx = new SimulatedTdx(config, kdf, store);
        Optional<List<EventLogEntry>> saved = store.isPresent() ? store.get().load() : Optional.empty();
        if (saved.isPresent()) {
            List<EventLogEntry> log = saved.get();
            if (log.size() < boot.size() && log.equals(boot.subList(0, log.size()))) {
                // the first boot appends its events one by one: a crash between them leaves a prefix
                throw new ProfileException("simulator state " + store.get().file() + " is incomplete: the first boot stopped after "
                        + log.size() + " of its " + boot.size() + " boot events (the agent was interrupted while booting);"
                        + " delete the state directory " + store.get().file().getParent() + " to boot afresh");
            }
            if (log.size() < boot.size() || !log.subList(0, boot.size()).equals(boot)) {
                throw new ProfileException("simulator state " + store.get().file()
                        + " was created with a different app-compose, seed or measurement profile (its boot events differ);"
                        + " use the original inputs or a fresh --state-dir");
            }
            synchronized (tdx.lock) {
                for (EventLogEntry e : log) {
                    tdx.cap.count(e);
                    tdx.append(e);
                }
            }
        } else {
            synchronized (tdx.lock) {
                for (EventLogEntry e : boot) {
                    tdx.cap.count(e);
                    if (store.isPresent()) {
                        try {
                            store.get().append(e);
                        } catch (IOException ex) {
                            throw new ProfileException("cannot write simulator state " + store.get().file() + ": "
                                    + ex.getMessage(), ex);
                        }
                    }
                    tdx.append(e);
                }
            }
        }
        return tdx;
    }

    @Override
    public QuoteEvidence quote(byte[] reportData) throws TeeException {
        if (reportData.length != 64) {
            throw new TeeException.Rejected("report_data must be 64 bytes");
        }
        byte[] rt3;
        List<EventLogEntry> log;
        synchronized (lock) {
            rt3 = rtmr3.clone();
            log = fullLog();
        }
        TdReport body = new TdReport(profile.teeTcbSvn(), profile.mrSeam(), profile.mrSignerSeam(),
                profile.seamAttributes(), profile.tdAttributes(), profile.xfam(), profile.mrtd(), mrConfigId,
                profile.mrOwner(), profile.mrOwnerConfig(), profile.rtmr0(), profile.rtmr1(), profile.rtmr2(), rt3,
                reportData);
        return new QuoteEvidence(signer.sign(body), log);
    }

    @Override
    public void emitEvent(String event, byte[] payload) throws TeeException {
        EventLogEntry entry = EventLogEntry.runtime(event, payload);
        synchronized (lock) {
            cap.admit(entry);
            if (store.isPresent()) {
                try {
                    store.get().append(entry); // durable before the register moves
                } catch (IOException e) {
                    // Not durable, so not done: the caller sees a failure and may retry.
                    cap.release(entry);
                    throw new TeeException.Failed("persisting the event log failed: " + e.getMessage(), e);
                }
            }
            append(entry);
        }
    }

    @Override
    public Measurements measurements() {
        synchronized (lock) {
            return new Measurements(profile.mrtd(), profile.rtmr0(), profile.rtmr1(), profile.rtmr2(), rtmr3.clone(),
                    mrConfigId.clone(), profile.mrOwner(), profile.mrOwnerConfig(), fullLog());
        }
    }

    @Override
    public PlatformInfo platform() {
        return new PlatformInfo(compose.text(), profile.vmConfig(), profile.osImageHash(), profile.deviceId(),
                profile.cloudVendor(), profile.cloudProduct());
    }

    /**
     * The app's keys as the simulated KMS issues them (root key from the seed, app id = first 20
     * bytes of the compose hash), for GetKey, Sign and Verify.
     */
    public AppKeys appKeys() {
        return appKeys;
    }

    /** The simulated key provider's TEST ONLY app CA, for GetTlsKey. */
    public AppCa appCa() {
        return appCa;
    }

    /**
     * DCAP collateral matching this simulator's TEST PKI, so a verifier pinned to
     * {@link #testRootPem()} accepts its quotes as {@code UpToDate} (see {@link TestCollateral}).
     */
    public TestCollateral collateral() {
        return TestCollateral.of(pki, profile);
    }

    /** PEM of the TEST ONLY root CA that signs the PCK chain and the collateral (the trust anchor to pin). */
    public String testRootPem() {
        return TestPki.pem(List.of(pki.rootCertificate()));
    }

    /**
     * The simulated KMS root public key, SEC1 compressed (33 bytes): the last signature of every
     * {@code signature_chain} recovers to it.
     */
    public byte[] kmsRootPublicKey() {
        return kmsRootPublicKey.clone();
    }

    /** Current RTMR3, 48 bytes. */
    public byte[] rtmr3() {
        synchronized (lock) {
            return rtmr3.clone();
        }
    }

    /** Current RTMR3 as lowercase hex. */
    public String rtmr3Hex() {
        return HexFormat.of().formatHex(rtmr3());
    }

    private void append(EventLogEntry e) {
        rtmr3 = RuntimeEvents.extend(rtmr3, HexFormat.of().parseHex(e.digest()));
        rtmr3Log.add(e);
    }

    private List<EventLogEntry> fullLog() {
        List<EventLogEntry> all = new ArrayList<>(profile.bootEventLog());
        all.addAll(rtmr3Log);
        return all;
    }
}
