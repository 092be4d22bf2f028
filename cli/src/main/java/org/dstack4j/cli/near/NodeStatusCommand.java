package org.dstack4j.cli.near;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.dstack4j.attestation.evidence.EvidenceFormatException;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.attestation.evidence.NearPublicKey;
import org.dstack4j.cli.VerifyCommand;
import org.dstack4j.near.node.NodeHttp;
import org.dstack4j.near.node.SyncStatus;
import org.dstack4j.sdk.TerminalText;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code dstack4j node status URL}: an MPC node's keys, NEAR sync state and attestation verdict on one screen. */
@Command(name = "node", header = "Look at a running MPC node: 'dstack4j node status URL'.", mixinStandardHelpOptions = true,
        subcommands = NodeStatusCommand.Status.class)
public final class NodeStatusCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"One screen about an MPC node: its keys from /public_data, its NEAR sync state from",
                "/metrics (near_sync_status) and the verdict of 'dstack4j verify' on its attestation, with the",
                "failing checks. Options this command does not know are passed to verify (the allow-lists)."},
            footer = {"", "Exit status: 0 attested and synced, 1 not (or a part could not be read), 2 bad input.", "",
                "Examples:",
                "  dstack4j node status http://node:8080 --from-contract v1.signer \\",
                "      --near-rpc https://rpc.mainnet.near.org",
                "  dstack4j node status http://node:8080 --metrics-url http://node:3030/metrics \\",
                "      --allowed-image-hashes hashes.txt --allowed-launcher-compose-hashes launchers.txt"})
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "URL", description = "the node's web endpoint, e.g. http://node:8080 (serves /public_data)")
        URI url;

        @Option(names = "--metrics-url", paramLabel = "URL", description = "where /metrics is (default: URL/metrics)")
        URI metricsUrl;

        @Option(names = "--node-timeout", paramLabel = "SECONDS", defaultValue = "10",
                description = "deadline of each request to the node. Default: ${DEFAULT-VALUE}")
        long timeoutSeconds;

        @Unmatched
        List<String> verifyArgs = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https")) || url.getHost() == null) {
                err.println("dstack4j node status: URL must be http(s)://host:port");
                return 2;
            }
            if (timeoutSeconds <= 0 || timeoutSeconds > 600) {
                err.println("dstack4j node status: --node-timeout must be 1..600 seconds");
                return 2;
            }
            Duration deadline = Duration.ofSeconds(timeoutSeconds);
            String base = url.toString().replaceAll("/+$", "");
            out.println("node            " + TerminalText.escape(url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")));
            boolean ok = true;

            byte[] publicData = null;
            try {
                publicData = NodeHttp.get(URI.create(base + "/public_data"), deadline, MpcPublicData.MAX_JSON_BYTES);
                MpcPublicData data = MpcPublicData.parse(publicData);
                out.println("signer key      " + data.keys().map(k -> k.signer().toString()).orElse("(absent)"));
                out.println("p2p/TLS key     " + data.keys().map(k -> k.p2p().toString()).orElse("(absent)"));
                out.println("responder keys  " + (data.responderPublicKeys().isEmpty() ? "(none)"
                        : String.join(", ", data.responderPublicKeys().stream().map(NearPublicKey::toString).toList())));
            } catch (IOException | EvidenceFormatException e) {
                out.println("keys            unavailable: " + TerminalText.escape(String.valueOf(e.getMessage())));
                ok = false;
            }

            URI metrics = metricsUrl != null ? metricsUrl : URI.create(base + "/metrics");
            try {
                String text = new String(NodeHttp.get(metrics, deadline, 8 << 20), StandardCharsets.UTF_8);
                Optional<SyncStatus> s = SyncStatus.fromMetrics(text);
                if (s.isEmpty()) {
                    out.println("sync            unknown: no near_sync_status in " + TerminalText.escape(metrics.getPath()));
                    ok = false;
                } else {
                    out.println("sync            " + (s.get().synced() ? "synced" : "syncing") + " (near_sync_status " + s.get().value() + " = " + s.get().name() + ")");
                    ok &= s.get().synced();
                }
            } catch (IOException e) {
                out.println("sync            unavailable: " + TerminalText.escape(String.valueOf(e.getMessage())));
                ok = false;
            }

            if (publicData == null) {
                out.println("attestation     not checked (no /public_data)");
                out.flush();
                return 1;
            }
            Path tmp = Files.createTempFile("public_data", ".json");
            try {
                Files.write(tmp, publicData);
                List<String> args = new ArrayList<>(List.of("--public-data", tmp.toString(), "--output", "json"));
                args.addAll(verifyArgs);
                StringWriter vout = new StringWriter();
                StringWriter verr = new StringWriter();
                CommandLine verify = new CommandLine(new VerifyCommand());
                verify.setCaseInsensitiveEnumValuesAllowed(true);
                verify.setOut(new PrintWriter(vout));
                verify.setErr(new PrintWriter(verr));
                int exit = verify.execute(args.toArray(String[]::new));
                if (exit == 2) {
                    out.println("attestation     not checked: " + verr.toString().strip().replace(tmp.toString(), "/public_data").lines().findFirst().orElse(""));
                    out.flush();
                    return 2;
                }
                JsonNode report = new ObjectMapper().readTree(vout.toString());
                List<String> failed = new ArrayList<>();
                for (JsonNode c : report.path("checks")) if (!c.path("ok").asBoolean()) failed.add(c.path("name").asText());
                report.path("checks").forEach(c -> {
                    if (c.path("name").asText().equals("allow-lists")) out.println("allow-lists     " + TerminalText.escape(c.path("detail").asText()));
                });
                out.println("image digest    " + TerminalText.escape(report.path("mpc_image_digest").asText("(none)")));
                out.println("TCB status      " + TerminalText.escape(report.path("status").asText()));
                out.println("attestation     " + (exit == 0 ? "VALID: every check passed"
                        : "INVALID: " + failed.size() + " check(s) failed: " + TerminalText.escape(String.join(", ", failed))));
                ok &= exit == 0;
            } finally {
                Files.deleteIfExists(tmp);
            }
            out.flush();
            return ok ? 0 : 1;
        }
    }
}
