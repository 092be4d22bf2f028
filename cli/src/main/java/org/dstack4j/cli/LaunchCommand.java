package org.dstack4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.dstack4j.launcher.LaunchException;
import org.dstack4j.launcher.LaunchInputs;
import org.dstack4j.launcher.LaunchListener;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchPlanner;
import org.dstack4j.launcher.LaunchReport;
import org.dstack4j.launcher.Launcher;
import org.dstack4j.launcher.StepTimings;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.UserConfigFormat;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.launcher.measurement.AgentMeasurer;
import org.dstack4j.launcher.registry.ImageValidator;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.RegistryCredentialsFile;
import org.dstack4j.launcher.registry.RegistryOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dstack4j launch}: the MPC node launcher (docs/launcher.md). */
@Command(
        name = "launch",
        header = "Launch the MPC node from an approved image digest, proven against the registry and recorded in RTMR3.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Select an approved MPC node image digest, prove the registry serves exactly that image,",
            "record it in RTMR3 through the dstack guest agent (TEE), and start the node container",
            "from that image ID. Fails closed: any error stops the launch before anything is started.",
            "",
            "Environment (trusted, from the measured compose file):",
            "  DOCKER_CONTENT_TRUST  must be 1",
            "  PLATFORM              TEE or NONTEE (--platform overrides)",
            "  DEFAULT_IMAGE_DIGEST  used when the approved hashes file is absent (sha256: optional)",
            "user_config (untrusted), .env format (2025): MPC_REGISTRY, MPC_IMAGE_NAME, MPC_IMAGE_TAGS,",
            "MPC_HASH_OVERRIDE, RPC_* retry timing, the node's own MPC_* settings and PORTS.",
            "TOML format (production since 2026): [launcher_config] image_reference, mpc_hash_override,",
            "port_mappings, pull_* retries; [mpc_node_config] is written with an injected [tee] table to",
            "--node-config-file and the node runs /app/mpc-node start-with-config-file /mnt/shared/mpc-config.toml.",
            ""
        },
        footer = {
            "",
            "Exit status: 0 launched (or dry run ok), 1 launch failed (one line on stderr: step, input, fix),",
            "2 bad command line.",
            "",
            "Examples:",
            "  DOCKER_CONTENT_TRUST=1 PLATFORM=TEE dstack4j launch",
            "  DOCKER_CONTENT_TRUST=1 dstack4j launch --platform NONTEE --dry-run --output json \\",
            "      --user-config ./user_config --approved-hashes ./image-digest.bin",
            "  DOCKER_CONTENT_TRUST=1 PLATFORM=TEE DEFAULT_IMAGE_DIGEST=sha256:<hex> dstack4j launch \\",
            "      --user-config-format toml --node-config-file /mnt/shared/mpc-config.toml"
        })
public final class LaunchCommand implements Callable<Integer> {

    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Option(names = "--user-config", paramLabel = "PATH", defaultValue = "/tapp/user_config",
            description = "dstack user config (TOML or .env, see --user-config-format). Default: ${DEFAULT-VALUE}")
    Path userConfig;

    @Option(names = "--user-config-format", paramLabel = "auto|toml|env", defaultValue = "auto",
            converter = FormatConverter.class,
            description = "how to read user_config: toml (missing file = error), env (missing = empty), or auto "
                    + "(TOML when it has [launcher_config]/[mpc_node_config], else .env). Default: ${DEFAULT-VALUE}")
    UserConfigFormat userConfigFormat;

    @Option(names = "--node-config-file", paramLabel = "PATH", defaultValue = "/mnt/shared/mpc-config.toml",
            description = "TOML mode: where to write the node's config (the shared-volume file the node reads at "
                    + "/mnt/shared/mpc-config.toml). Default: ${DEFAULT-VALUE}")
    Path nodeConfigFile;

    @Option(names = "--approved-hashes", paramLabel = "PATH", defaultValue = "/mnt/shared/image-digest.bin",
            description = "approved image digests (manifest digests today, image IDs in 2025), JSON {\"approved_hashes\": [...]} newest first. Default: ${DEFAULT-VALUE}")
    Path approvedHashes;

    @Option(names = "--dstack-socket", paramLabel = "PATH", defaultValue = "/var/run/dstack.sock",
            description = "guest agent socket (TEE only; also mounted into the node). Default: ${DEFAULT-VALUE}")
    Path dstackSocket;

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "Docker Engine API endpoint. Default: $DOCKER_HOST, else unix:///var/run/docker.sock")
    String dockerHost;

    @Option(names = "--platform", paramLabel = "TEE|NONTEE", description = "overrides the PLATFORM environment variable")
    Platform platform;

    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT",
            description = "allow plain HTTP to this registry (repeatable; loopback registries always may)")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--registry-credentials", paramLabel = "FILE",
            description = "Docker config.json-style credentials ({\"auths\": {\"host:port\": {\"auth\": base64(user:pass)}}})")
    Path registryCredentials;

    @Option(names = "--tapp-dir", paramLabel = "DIR", defaultValue = "/tapp",
            description = "host directory bound read-only at /tapp in the node. Default: ${DEFAULT-VALUE}")
    Path tappDir;

    @Option(names = "--dry-run", description = "do steps 1-3 and build the container spec; contact nothing")
    boolean dryRun;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "text",
            description = "report format on stdout (progress always goes to stderr). Default: ${DEFAULT-VALUE}")
    Output output;

    @Option(names = "--report", paramLabel = "PATH", description = "also write the JSON launch report here (atomically)")
    Path report;

    @Option(names = "--shared-report", paramLabel = "PATH", defaultValue = "/mnt/shared/launch-report.json",
            description = "also write the JSON launch report here for the CVM's page (agent --launch-report), when its "
                    + "directory exists; a failure to write it is a warning, never a failed launch. Default: ${DEFAULT-VALUE}")
    Path sharedReport;

    @Option(names = "--pull-timeout", paramLabel = "SECONDS", defaultValue = "1800",
            description = "bound on the image pull, in seconds. Default: ${DEFAULT-VALUE}")
    long pullTimeoutSeconds;

    @Option(names = "--engine-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "bound on each container engine call, connect to last byte (during the pull: the longest "
                    + "silence between two progress messages), in seconds. Default: ${DEFAULT-VALUE}")
    long engineTimeoutSeconds;

    @Option(names = "--agent-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "timeout of each guest agent call, in seconds. Default: ${DEFAULT-VALUE}")
    long agentTimeoutSeconds;

    /** {@code auto|toml|env}, any case. */
    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<UserConfigFormat> {
        @Override
        public UserConfigFormat convert(String value) {
            return UserConfigFormat.parse(value).orElseThrow(() ->
                    new picocli.CommandLine.TypeConversionException("expected auto, toml or env, not '" + value + "'"));
        }
    }

    private static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    /** Environment of the process; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProgressPrinter progress = new ProgressPrinter(err);
        StepTimings timings = new StepTimings();
        Instant startedAt = Instant.now();
        for (var bound : List.of(Map.entry("--engine-timeout", engineTimeoutSeconds), Map.entry("--pull-timeout", pullTimeoutSeconds),
                Map.entry("--agent-timeout", agentTimeoutSeconds))) {
            if (bound.getValue() <= 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        bound.getKey() + " must be a positive number of seconds, not " + bound.getValue());
            }
        }
        // Jetty (the agent client) pads its queues to the CPU cache line; unless told how many references
        // fit in one, it starts the JMX platform server (every MXBean, JFR's commands) to ask whether
        // compressed oops are on. 16 = 64-byte lines / 4-byte compressed references: the JVM default
        // below 32 GB of heap. Padding only: no effect on behaviour.
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, "16");
        }
        try {
            if (!dryRun) TlsWarmUp.start();
            LaunchPlan plan = LaunchPlanner.plan(inputs(), timings, progress);
            if (dryRun) {
                if (output == Output.json) {
                    out.println(ReportJson.MAPPER.writeValueAsString(ReportJson.plan(plan)));
                } else {
                    out.println(TextReport.plan(plan));
                }
                out.flush();
                return 0;
            }
            LaunchReport result = launch(plan, timings, startedAt, progress);
            String json = ReportJson.MAPPER.writeValueAsString(ReportJson.report(result, plan.approved()));
            if (report != null) writeAtomically(report, json);
            writeShared(json, err);
            out.println(output == Output.json ? json : TextReport.report(result));
            out.flush();
            return 0;
        } catch (LaunchException e) {
            String failure = null;
            try {
                failure = ReportJson.MAPPER.writeValueAsString(ReportJson.failure(e, timings.snapshot()));
            } catch (IOException io) {
                err.println("dstack4j launch: could not serialise the failure report: " + io.getMessage());
            }
            if (failure != null) writeShared(failure, err);
            if (report != null && failure != null) {
                try {
                    writeAtomically(report, failure);
                } catch (IOException io) {
                    err.println("dstack4j launch: could not write the failure report to " + report + ": " + io.getMessage());
                }
            }
            err.println(e.oneLine());
            err.flush();
            return 1;
        } catch (IOException e) {
            err.println("launch failed at report: cannot write " + report + ": " + e.getMessage()
                    + " [input: --report] fix: choose a writable path");
            return 1;
        }
    }

    private LaunchInputs inputs() {
        return new LaunchInputs(environment, Optional.ofNullable(platform), userConfig, approvedHashes, dstackSocket, tappDir,
                userConfigFormat, nodeConfigFile);
    }

    private LaunchReport launch(LaunchPlan plan, StepTimings timings, Instant startedAt, LaunchListener progress)
            throws LaunchException, IOException {
        Map<String, RegistryCredentials> creds = registryCredentials == null
                ? Map.of()
                : RegistryCredentialsFile.load(registryCredentials);
        // the credentials file keys registries lower-cased
        Optional<RegistryCredentials> forImage = Optional.ofNullable(creds.get(plan.image().registry().toLowerCase(java.util.Locale.ROOT)));
        RegistryOptions options = RegistryOptions.defaults(plan.settings().retry())
                .withInsecureRegistries(new LinkedHashSet<>(insecureRegistries))
                .withCredentials(creds);
        ImageValidator validator = new ImageValidator(options);
        String host = dockerHost != null ? dockerHost
                : environment.getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        // Building the engine and agent clients loads many classes: overlap it with the registry check.
        ExecutorService starter = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "dstack4j-client-start");
            t.setDaemon(true);
            return t;
        });
        CompletableFuture<DockerEngine> engine = CompletableFuture.supplyAsync(() -> {
            try {
                return DockerEngine.connect(host, Duration.ofSeconds(5), Duration.ofSeconds(engineTimeoutSeconds),
                        Duration.ofSeconds(pullTimeoutSeconds));
            } catch (LaunchException e) {
                throw new CompletionException(e);
            }
        }, starter);
        // TEE: the agent client is built and RTMR3 read (GetQuote, no side effect) while the registry is
        // checked; EmitEvent still comes only after the registry and engine proofs (Launcher).
        Optional<CompletableFuture<AgentMeasurer>> measurer = plan.platform() == Platform.TEE
                ? Optional.of(CompletableFuture.supplyAsync(
                        () -> AgentMeasurer.forSocket(dstackSocket, Duration.ofSeconds(agentTimeoutSeconds)).readingAhead(), starter))
                : Optional.empty();
        starter.shutdown();
        try {
            // TOML mode (today's network) approves manifest digests: try the digest itself first.
            Launcher.RegistryValidation registry = plan.format() == UserConfigFormat.TOML
                    ? validator::validateManifestFirst : validator::validate;
            return new Launcher(registry, () -> await(engine), measurer.map(f -> () -> await(f)), forImage, progress)
                    .launch(plan, timings, startedAt);
        } finally {
            engine.thenAccept(DockerEngine::close);
            measurer.ifPresent(f -> f.thenAccept(AgentMeasurer::close));
        }
    }

    /** The value of a client being created on another thread, or the launch error it failed with. */
    private static <T> T await(CompletableFuture<T> future) throws LaunchException {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof LaunchException le) throw le;
            throw e;
        }
    }

    /**
     * The report for the CVM's page, on the shared volume: written only when its directory exists (outside a CVM
     * there is none), and a failure is a warning: the page is a view, the launch does not depend on it.
     */
    private void writeShared(String json, PrintWriter err) {
        if (sharedReport == null || sharedReport.equals(report)) return;
        Path dir = sharedReport.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) return;
        try {
            writeAtomically(sharedReport, json);
        } catch (IOException e) {
            err.println("dstack4j launch: warning: could not write the shared report " + sharedReport + ": " + e.getMessage());
        }
    }

    static void writeAtomically(Path target, String content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".launch-report", ".tmp");
        try {
            Files.writeString(tmp, content + "\n");
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

}
