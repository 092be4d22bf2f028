package org.dstack4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.attestation.policy.ClusterKeyProvider;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.api.TeeBackend;
import org.dstack4j.agent.keys.cluster.ClusterKeySource;
import org.dstack4j.agent.server.AgentServer;
import org.dstack4j.agent.server.AgentServerException;
import org.dstack4j.agent.server.WorkerServer;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.ProfileException;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.agent.tdx.LinuxTdx;
import org.dstack4j.agent.tdx.TdxConfig;
import org.dstack4j.agent.tdx.TdxStartException;
import org.dstack4j.sdk.EventLogEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dstack4j agent}: runs a dstack-compatible guest agent in the foreground until SIGTERM or
 * SIGINT; the shutdown hook stops the server and removes the socket. Exit codes: 0 after a clean
 * stop, 1 if the agent cannot start, 2 for bad options.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {
            "Run a dstack-compatible guest agent (GetQuote, EmitEvent, Info, Version, GetKey, GetTlsKey, Sign, Verify) "
                    + "on a unix socket, "
                    + "in the foreground until SIGTERM or SIGINT.",
            "",
            "With --simulator, TDX is simulated: MRTD and RTMR0-2 come from a measurement profile, RTMR3 is "
                    + "kept in software (boot events, then EmitEvent), and quotes are signed by a TEST-ONLY PKI "
                    + "derived from --seed that no production verifier trusts.",
            "",
            "With --tdx, the Linux TDX interfaces are used: quotes from configfs-tsm (--configfs-root), RTMR3 "
                    + "extended through sysfs (--sysfs-rtmr), the runtime event log kept in --event-log and checked "
                    + "against the live RTMR3 on start. There is no key provider: keys derive from --key-file. "
                    + "Not yet tested on TDX hardware (see docs/agent.md)."},
        footer = {
            "",
            "Example:",
            "  dstack4j agent --simulator --socket /tmp/dstack.sock \\",
            "      --state-dir /tmp/dstack-state",
            "  DSTACK_SIMULATOR_ENDPOINT=/tmp/dstack.sock <app using a dstack SDK>",
            "  dstack4j agent --tdx --socket /var/run/dstack.sock \\",
            "      --event-log /data/dstack4j/events.jsonl --app-compose /data/app-compose.json",
            "",
            "When ready it prints one line to stdout:",
            "  dstack4j agent: listening on <socket> (simulator|tdx, RTMR3=<hex>)"},
        sortOptions = false, showDefaultValues = true, versionProvider = AgentCommand.Version.class)
public final class AgentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--simulator", description = "Simulate TDX (software RTMRs, test PKI). One of --simulator, --tdx.")
    boolean simulator;

    @Option(names = "--tdx", description = "Use the Linux TDX interfaces (configfs-tsm, sysfs RTMR3). "
            + "One of --simulator, --tdx.")
    boolean tdx;

    @Option(names = "--configfs-root", paramLabel = "DIR", defaultValue = TdxConfig.DEFAULT_REPORT_ROOT,
            description = "--tdx: configfs-tsm report directory.")
    Path configfsRoot;

    @Option(names = "--sysfs-rtmr", paramLabel = "FILE", defaultValue = TdxConfig.DEFAULT_RTMR3_FILE,
            description = "--tdx: sysfs RTMR3 file (write a 48-byte digest to extend; read for the value).")
    Path sysfsRtmr;

    @Option(names = "--event-log", paramLabel = "FILE",
            description = "--tdx (required): runtime event log, JSON lines, appended and fsynced before each "
                    + "extension; replayed and checked against the live RTMR3 on start.")
    Path eventLog;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "--tdx: app root secret (64 hex chars, mode 0600), created on first start; keep it on "
                    + "encrypted storage. Default: app-root-key.hex next to --event-log.")
    Path keyFile;

    @Option(names = "--socket", paramLabel = "PATH", required = true,
            description = "Unix socket to serve on (at most 107 bytes). A stale socket is replaced; "
                    + "a live one or a regular file is refused.")
    Path socket;

    @Option(names = "--socket-mode", paramLabel = "OCTAL", defaultValue = "0660",
            description = "Permission bits of the socket, octal.")
    String socketMode;

    @Option(names = "--tappd-socket", paramLabel = "PATH",
            description = "Also serve the legacy Tappd service (/prpc/Tappd.*) on this unix socket "
                    + "(dstack's tappd.sock), with --socket-mode.")
    Path tappdSocket;

    @Option(names = "--worker-listen", paramLabel = "HOST:PORT",
            description = "Also serve the external Worker API (/prpc/Worker.*, /prpc/v1/*) and the CVM's page on this TCP address "
                    + "(GET / and /status.json; /logs/<container> with the app-compose's public_logs, /metrics with public_sysinfo; "
                    + "docs/dashboard.md); it serves no key material and nothing on it changes state. Port 0 picks a free port.")
    String workerListen;

    @Option(names = "--docker-socket", paramLabel = "PATH", defaultValue = "/var/run/docker.sock",
            description = "With --worker-listen: the Docker engine socket the page lists containers and streams their logs from "
                    + "(GET requests only).")
    Path dockerSocket;

    @Option(names = "--launch-report", paramLabel = "FILE",
            description = "With --worker-listen: the launcher's report on the shared volume, shown on the page, e.g. "
                    + "/var/lib/docker/volumes/shared-volume/_data/launch-report.json (dstack4j launch writes "
                    + "/mnt/shared/launch-report.json).")
    Path launchReport;

    @Option(names = "--dashboard-pccs-url", paramLabel = "URL",
            description = "With --tdx and --worker-listen: PCCS or Intel PCS (v4 API) for the collateral of the page's own-quote "
                    + "verification; without it the page shows DCAP as not run. --simulator uses its TEST root and collateral.")
    java.net.URI dashboardPccsUrl;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Directory keeping the event log (events.jsonl, append-only) across restarts; a restart replays it "
                    + "and does not re-emit boot events. Default: state in memory only.")
    Path stateDir;

    @Option(names = "--app-compose", paramLabel = "FILE",
            description = "app-compose.json measured at boot (compose-hash = SHA-256 of its bytes). "
                    + "Required with --tdx (key_provider \"none\"); --simulator default: built-in copy of the MPC "
                    + "launcher's app-compose.")
    Path appCompose;

    @Option(names = "--measurements", paramLabel = "FILE",
            description = "JSON measurement profile (MRTD, RTMR0-2 and their event log, TD report, QE and PCK TCB). "
                    + "Default: built-in profile from a real MPC attestation.")
    Path measurements;

    @Option(names = "--seed", paramLabel = "TEXT", defaultValue = SimulatorConfig.DEFAULT_SEED,
            description = "Seed for the simulated keys, instance id and test certificates; same seed, same values.")
    String seed;

    @Option(names = "--pki-seed", paramLabel = "TEXT",
            description = "Seed of the TEST PKI (root CA, PCK chain, collateral signer) when it should differ from --seed: "
                    + "agents with one --pki-seed and different --seed values are distinct CVMs whose quotes chain to one test root.")
    String pkiSeed;

    @Option(names = "--write-collateral", paramLabel = "FILE",
            description = "With --simulator: write DCAP collateral (dcap-qvl QuoteCollateralV3 JSON) for the TEST PKI, "
                    + "then serve. A DCAP verifier pinned to the test root accepts the quotes as UpToDate.")
    Path writeCollateral;

    @Option(names = "--write-test-root", paramLabel = "FILE",
            description = "With --simulator: write the TEST ONLY root CA certificate (PEM) for verifiers to pin.")
    Path writeTestRoot;

    @Option(names = "--write-kms-root", paramLabel = "FILE",
            description = "With --simulator: write the simulated KMS root public key (hex, SEC1 compressed, 33 bytes); "
                    + "GetKey and Sign signature chains recover to it.")
    Path writeKmsRoot;

    @Option(names = "--cluster-keys", paramLabel = "SOCKET",
            description = "Cluster mode: GetKey, Sign and GetTlsKey on --socket answer from the cluster's per-app root, asked "
                    + "from the cluster node's app-key socket (`cluster node --app-socket`), and ClusterAttest is served; "
                    + "until the node holds the secret those calls answer 503. Needs --node-socket. The key-provider boot event "
                    + "then names the cluster the app-compose pins (dstack4j_cluster: chain id and contract).")
    Path clusterKeys;

    @Option(names = "--node-socket", paramLabel = "PATH",
            description = "With --cluster-keys: a second socket (mode 0600) with this CVM's own keys, for the cluster node only "
                    + "(its node address and quotes); never mount it into app containers.")
    Path nodeSocket;

    @Override
    public Integer call() {
        if (simulator == tdx) {
            throw new ParameterException(spec.commandLine(), "choose exactly one backend: --simulator or --tdx");
        }
        rejectOptionsOfTheOtherBackend();
        Set<PosixFilePermission> mode = parseMode(socketMode);
        PrintWriter err = spec.commandLine().getErr();
        GuestApi api;
        TeeBackend tee;
        String label;
        Supplier<String> rtmr3;
        AgentServer server;
        AgentServer tappd = null;
        WorkerServer worker = null;
        org.dstack4j.dashboard.Dashboard dashboard = null;
        AgentServer nodeServer = null;
        WorkerServer.Config workerConfig;
        try {
            workerConfig = workerListen == null ? null : WorkerServer.Config.parse(workerListen);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--worker-listen: " + e.getMessage());
        }
        if ((clusterKeys == null) != (nodeSocket == null)) {
            throw new ParameterException(spec.commandLine(), "cluster mode needs both --cluster-keys SOCKET and --node-socket PATH");
        }
        try {
            if (simulator) {
                AppCompose compose = appCompose == null ? AppCompose.defaults() : AppCompose.load(appCompose);
                SimulatorConfig config = new SimulatorConfig(seed, compose,
                        measurements == null ? MeasurementProfile.defaults() : MeasurementProfile.load(measurements),
                        Optional.ofNullable(stateDir), Optional.ofNullable(pkiSeed), clusterNamed(compose));
                SimulatedTdx backend = SimulatedTdx.start(config);
                SimulatorFiles.write(backend, writeCollateral, writeTestRoot, writeKmsRoot);
                api = new GuestApi(backend, backend.appKeys(), backend.appCa(), AgentVersion.detect());
                tee = backend;
                label = "simulator";
                rtmr3 = backend::rtmr3Hex;
            } else {
                AppCompose compose = AppCompose.load(appCompose);
                LinuxTdx backend = LinuxTdx.start(new TdxConfig(configfsRoot, sysfsRtmr, eventLog,
                        keyFile == null ? TdxConfig.defaultKeyFile(eventLog) : keyFile, compose,
                        TdxConfig.DEFAULT_IO_TIMEOUT, clusterNamed(compose)));
                api = new GuestApi(backend, backend.appKeys(), backend.appCa(), AgentVersion.detect());
                tee = backend;
                label = "tdx";
                rtmr3 = backend::rtmr3Hex;
            }
            if (clusterKeys != null) {
                // the node keeps the CVM's own keys (it needs its node address before it holds the secret)
                nodeServer = AgentServer.start(AgentServer.Config.of(nodeSocket, EnumSet.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE)), api);
                api = new GuestApi(tee, new ClusterKeySource(clusterKeys, appId(tee), Duration.ofSeconds(10)), AgentVersion.detect());
                label += ", cluster keys from " + clusterKeys;
            }
            // the extra listeners next (with the cluster's keys in cluster mode): once the main socket exists,
            // everything is served
            if (tappdSocket != null) {
                tappd = AgentServer.startTappd(AgentServer.Config.of(tappdSocket, mode), api);
            }
            if (workerConfig != null) {
                dashboard = DashboardWiring.create(api, tee, dockerSocket, launchReport, dashboardPccsUrl);
                worker = WorkerServer.start(workerConfig, api, dashboard.pages());
            }
            server = AgentServer.start(AgentServer.Config.of(socket, mode), api);
        } catch (ProfileException | TdxStartException | AgentServerException | IOException | IllegalStateException e) {
            // IllegalStateException: the cluster key client could not start (its message says so)
            if (worker != null) worker.close();
            if (dashboard != null) dashboard.close();
            if (tappd != null) tappd.close();
            if (nodeServer != null) nodeServer.close();
            err.println("dstack4j agent: " + e.getMessage());
            err.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        AgentServer tappdServer = tappd;
        WorkerServer workerServer = worker;
        org.dstack4j.dashboard.Dashboard page = dashboard;
        AgentServer nodeSide = nodeServer;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (workerServer != null) workerServer.close();
            if (page != null) page.close();
            if (tappdServer != null) tappdServer.close();
            server.close();
            if (nodeSide != null) nodeSide.close();
        }, "dstack4j-agent-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        if (tappd != null) out.println("dstack4j agent: tappd on " + tappd.socketPath());
        if (worker != null) out.println("dstack4j agent: worker on " + worker.address().getHostString() + ":" + worker.address().getPort());
        out.println("dstack4j agent: listening on " + server.socketPath() + " (" + label + ", RTMR3=" + rtmr3.get() + ")");
        out.flush();
        try {
            server.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }

    /**
     * In cluster mode, the cluster the {@code key-provider} boot event names: the measured app-compose's
     * {@code dstack4j_cluster} pin (chain id and contract), so a verifier tells a cluster-keyed CVM from a local-key one.
     */
    private Optional<ClusterKeyProvider> clusterNamed(AppCompose compose) throws ProfileException {
        if (clusterKeys == null) return Optional.empty();
        try {
            return Optional.of(ClusterKeyProvider.fromAppCompose(compose.raw()).orElseThrow(() -> new ProfileException(
                    "cluster mode (--cluster-keys) names the cluster in the key-provider boot event, and the app-compose "
                            + compose.name() + " pins none: add \"dstack4j_cluster\": {\"chain_id\": …, \"contract\": \"0x…\", …}")));
        } catch (IllegalArgumentException e) {
            throw new ProfileException("app-compose " + compose.name() + ": " + e.getMessage());
        }
    }

    /** This CVM's 20-byte app id: the payload of its {@code app-id} boot event. */
    private static byte[] appId(TeeBackend tee) throws IOException {
        for (EventLogEntry e : tee.measurements().eventLog()) {
            if (e.imr() == 3 && e.event().equals("app-id") && e.payloadBytes().length == 20) return e.payloadBytes();
        }
        throw new IOException("cluster mode needs the CVM's app id, and its event log has no 20-byte app-id event");
    }

    /** Options of one backend given with the other are mistakes; say so rather than ignore them. */
    private void rejectOptionsOfTheOtherBackend() {
        var parsed = spec.commandLine().getParseResult();
        List<String> wrong = (tdx ? List.of("--state-dir", "--measurements", "--seed", "--pki-seed", "--write-collateral", "--write-test-root", "--write-kms-root")
                : List.of("--configfs-root", "--sysfs-rtmr", "--event-log", "--key-file")).stream()
                .filter(parsed::hasMatchedOption).toList();
        if (!wrong.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join(", ", wrong) + " only appl"
                    + (wrong.size() == 1 ? "ies" : "y") + " to " + (tdx ? "--simulator" : "--tdx"));
        }
        if (tdx && eventLog == null) {
            throw new ParameterException(spec.commandLine(), "--tdx needs --event-log FILE (where RTMR3's events are kept)");
        }
        if (tdx && appCompose == null) {
            throw new ParameterException(spec.commandLine(),
                    "--tdx needs --app-compose FILE (the app-compose measured at boot, with \"key_provider\": \"none\")");
        }
    }

    /** {@code --version}: the agent's version as {@code Version} reports it. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            AgentVersion v = AgentVersion.detect();
            return new String[] {v.version() + " (rev " + v.rev() + ")"};
        }
    }

    private Set<PosixFilePermission> parseMode(String octal) {
        int bits;
        try {
            bits = Integer.parseInt(octal, 8);
        } catch (NumberFormatException e) {
            bits = -1;
        }
        if (bits < 0 || bits > 0777) {
            throw new ParameterException(spec.commandLine(),
                    "--socket-mode must be octal permission bits 000..777, e.g. 0660; got " + octal);
        }
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < order.length; i++) {
            if ((bits & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }
}
