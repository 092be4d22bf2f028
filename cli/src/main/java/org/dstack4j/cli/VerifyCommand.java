package org.dstack4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.attestation.dcap.PccsException;
import org.dstack4j.attestation.evidence.EvidenceFormatException;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.attestation.AttestationFormatException;
import org.dstack4j.sdk.attestation.VersionedAttestation;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.attestation.evidence.NodeKeys;
import org.dstack4j.attestation.policy.AppVerification;
import org.dstack4j.attestation.policy.LauncherTemplate;
import org.dstack4j.attestation.policy.MeasurementSet;
import org.dstack4j.attestation.policy.MpcAppVerifier;
import org.dstack4j.attestation.policy.MpcPolicy;
import org.dstack4j.attestation.policy.MpcReportData;
import org.dstack4j.attestation.policy.PolicyFormatException;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.DstackException;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.GetQuoteResponse;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.InfoResponse;
import org.dstack4j.sdk.TerminalText;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dstack4j verify}: proves from a TDX quote which MPC image a node runs (docs/attestation.md):
 * Intel DCAP verification of the quote with its collateral, then the MPC application checks (RTMR3
 * replay, app-compose, launcher compose hash, the one {@code mpc-image-digest}, measurements, report
 * data bound to the node's keys). Exit 0 valid, 1 invalid, 2 bad input or usage.
 */
@Command(
        name = "verify",
        header = "Verify an MPC node's attestation (Intel DCAP, RTMR replay, the MPC contract's checks).",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Verify an MPC node's attestation: the TDX quote is genuine and current (Intel DCAP with",
            "collateral), its event log replays to RTMR3, the app is an approved launcher, and the one",
            "mpc-image-digest it recorded is an approved image. Lists every check with its outcome.",
            ""
        },
        footer = {
            "",
            "Exit status: 0 valid, 1 invalid (a check failed), 2 bad input or usage.",
            "",
            "Examples:",
            "  dstack4j verify --public-data public_data.json --allowed-image-hashes image-digest.bin \\",
            "      --allowed-launcher-compose-hashes launchers.txt",
            "  dstack4j verify --public-data public_data.json --allowed-image-hashes image-digest.bin \\",
            "      --launcher-template launcher_docker_compose.yaml.template --allowed-launcher-image-hashes launchers.txt",
            "  dstack4j verify --public-data http://node:8080/public_data --allowed-image-hashes hashes.txt \\",
            "      --allowed-launcher-compose-hashes launchers.txt --output json",
            "  dstack4j verify --attestation attest.bin --attestation-app-compose app-compose.json \\",
            "      --collateral collateral.json --trust-test-root test-root.pem ...   (Attest's document)",
            "  dstack4j verify --public-data public_data.json --from-contract v1.signer \\",
            "      --near-rpc https://rpc.mainnet.near.org",
            "  dstack4j verify --dstack-socket /tmp/dstack.sock --trust-test-root test-root.pem \\",
            "      --collateral collateral.json --expect-keys ed25519:SIGNER,ed25519:P2P ...   (simulator)"
        })
public final class VerifyCommand implements Callable<Integer> {
    enum Output { text, json }

    static final int MAX_DOWNLOAD_BYTES = MpcPublicData.MAX_JSON_BYTES;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Evidence (one of):%n")
    Evidence evidence;

    static final class Evidence {
        @Option(names = "--public-data", paramLabel = "FILE|URL", description = "an MPC node's /public_data JSON")
        String publicData;

        @ArgGroup(exclusive = false)
        Parts parts;

        @Option(names = "--dstack-socket", paramLabel = "PATH|URL",
                description = "a live guest agent: quote from GetQuote, event log and app-compose from Info")
        String dstackSocket;

        @ArgGroup(exclusive = false)
        AttestationDoc attestation;
    }

    static final class AttestationDoc {
        @Option(names = "--attestation", required = true, paramLabel = "FILE",
                description = "dstack's versioned attestation (Attest's answer: binary, hex, or the JSON response), "
                        + "SCALE or MessagePack form")
        Path file;

        @Option(names = "--attestation-app-compose", paramLabel = "FILE",
                description = "the raw app-compose.json the attestation's compose-hash measures")
        Path appCompose;
    }

    static final class Parts {
        @Option(names = "--quote", required = true, paramLabel = "FILE", description = "TDX quote, binary or hex")
        Path quote;

        @Option(names = "--event-log", required = true, paramLabel = "FILE",
                description = "event log JSON (array, GetQuote's string form, or Info's tcb_info)")
        Path eventLog;

        @Option(names = "--app-compose", paramLabel = "FILE", description = "the raw app-compose.json the compose-hash measures")
        Path appCompose;
    }

    @Option(names = "--collateral", paramLabel = "FILE",
            description = "DCAP collateral JSON (dcap-qvl hex form or public_data's); overrides the evidence's")
    Path collateral;

    @Option(names = "--pccs-url", paramLabel = "URL",
            description = "fetch collateral from this PCCS / Intel PCS (Intel's v4 API paths) when none is given")
    URI pccsUrl;

    @Option(names = "--allowed-image-hashes", paramLabel = "FILE",
            description = "approved MPC image digests (manifest digest today, image ID in 2025), as the contract's "
                    + "allowed_docker_image_hashes: image-digest.bin, a JSON array, or one per line")
    Path allowedImageHashes;

    @Option(names = "--allowed-launcher-compose-hashes", paramLabel = "FILE",
            description = "SHA-256 of approved launcher docker-compose files, one per line or a JSON array")
    Path allowedLauncherComposeHashes;

    @Option(names = "--launcher-template", paramLabel = "FILE",
            description = "the contract's launcher_docker_compose.yaml.template: also allow the SHA-256 of it rendered "
                    + "for each --allowed-launcher-image-hashes x --allowed-image-hashes pair, as the contract derives them")
    Path launcherTemplate;

    @Option(names = "--allowed-launcher-image-hashes", paramLabel = "FILE",
            description = "approved launcher image digests ({{LAUNCHER_IMAGE_HASH}}), one per line or a JSON array")
    Path allowedLauncherImageHashes;

    @Option(names = "--measurements", paramLabel = "FILE",
            description = "allowed MRTD/RTMR0-2/key-provider sets (JSON). Default: the sets of the captured MPC nodes")
    Path measurements;

    @Option(names = "--from-contract", paramLabel = "ACCOUNT",
            description = "read the allow-lists (image digests, launcher compose hashes and launcher images, OS measurements) "
                    + "from this MPC contract on NEAR instead of files; needs --near-rpc; the report says so")
    String fromContract;

    @Option(names = "--near-rpc", paramLabel = "URL", description = "NEAR JSON-RPC endpoint for --from-contract")
    URI nearRpc;

    @Option(names = "--expect-keys", paramLabel = "SIGNER,P2P",
            description = "the node's ed25519 keys (base58 'ed25519:...'); report data must bind them")
    String expectKeys;

    @Option(names = "--trust-test-root", paramLabel = "PEM",
            description = "trust this root CA instead of Intel's (the agent simulator's TEST ONLY PKI)")
    Path testRoot;

    @Option(names = "--at", paramLabel = "INSTANT", description = "verification time, ISO-8601 (e.g. 2026-08-13T11:45:38Z). Default: now")
    String at;

    @Option(names = "--accept-status", paramLabel = "STATUS", split = ",", defaultValue = "UpToDate",
            description = "TCB statuses accepted as valid (comma-separated, e.g. UpToDate,SWHardeningNeeded). Default: ${DEFAULT-VALUE}")
    List<String> acceptStatus;

    @Option(names = "--allow-debug", description = "accept debug TDs (never for production)")
    boolean allowDebug;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "timeout of each network call (URL, PCCS, agent). Default: ${DEFAULT-VALUE}")
    long timeoutSeconds;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "text", description = "Default: ${DEFAULT-VALUE}")
    Output output;

    /** A problem with the command's input: exit 2. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Instant when = at == null ? Instant.now() : parseInstant(at);
            MpcPolicy policy = policy();
            MpcPublicData data = evidence(policy);
            if (contractPolicy != null) policy = withContractMeasurements(policy, data);
            Collateral coll = collateral(data);
            DcapVerifier verifier = testRoot == null ? DcapVerifier.intel() : DcapVerifier.withTrustedRoot(readRoot(testRoot));
            DcapVerification dcap = verifier.verify(data.quote(), coll, when, allowDebug);
            AppVerification app = MpcAppVerifier.verify(data, policy);
            List<Check> checks = new ArrayList<>();
            if (contractPolicy != null) checks.add(Check.pass("allow-lists", contractPolicy.describe()));
            checks.add(collateralForm(data));
            checks.addAll(dcap.checks());
            // DCAP calls e.g. OutOfDate "valid"; whether that is acceptable is the verifier's policy (--accept-status).
            Check accepted = dcap.statusAccepted(acceptStatus);
            checks.add(accepted);
            checks.addAll(app.checks());
            boolean valid = dcap.valid() && accepted.ok() && app.ok();
            if (output == Output.json) {
                out.println(ReportJson.MAPPER.writeValueAsString(json(valid, dcap, app, policy, checks, when)));
            } else {
                out.print(text(valid, dcap, app, checks, when));
            }
            out.flush();
            return valid ? 0 : 1;
        } catch (BadInput e) {
            err.println("dstack4j verify: " + TerminalText.escape(String.valueOf(e.getMessage())));
            return 2;
        } catch (IOException e) {
            err.println("dstack4j verify: " + TerminalText.escape(String.valueOf(e.getMessage())));
            return 2;
        }
    }

    /** The contract's allow-lists when --from-contract is given. */
    private org.dstack4j.near.mpc.ContractPolicy contractPolicy;

    private MpcPolicy policy() throws BadInput {
        if (fromContract != null || nearRpc != null) return contractPolicy();
        try {
            Set<String> images = allowedImageHashes == null ? Set.of() : MpcPolicy.imageHashesFrom(allowedImageHashes);
            Set<String> launchers = allowedLauncherComposeHashes == null ? Set.of()
                    : MpcPolicy.launcherComposeHashesFrom(allowedLauncherComposeHashes);
            MpcPolicy policy = MpcPolicy.withDefaultMeasurements(images, launchers);
            if (launcherTemplate != null) {
                Set<String> launcherImages = allowedLauncherImageHashes == null ? Set.of()
                        : MpcPolicy.launcherImageHashesFrom(allowedLauncherImageHashes);
                policy = policy.withLauncherRenderings(LauncherTemplate.read(launcherTemplate).renderAll(launcherImages, images));
            } else if (allowedLauncherImageHashes != null) {
                throw new BadInput("--allowed-launcher-image-hashes needs --launcher-template (the contract's template to render them in)");
            }
            if (measurements != null) policy = policy.withMeasurements(MeasurementSet.load(measurements));
            if (expectKeys != null) policy = policy.withExpectedKeys(keys(expectKeys));
            return policy;
        } catch (IOException | PolicyFormatException e) {
            throw new BadInput("policy: " + e.getMessage());
        }
    }

    /** --from-contract: the lists read from the MPC contract; file-based list flags are refused beside it. */
    private MpcPolicy contractPolicy() throws BadInput {
        if (fromContract == null || nearRpc == null) throw new BadInput("--from-contract and --near-rpc go together");
        if (allowedImageHashes != null || allowedLauncherComposeHashes != null || allowedLauncherImageHashes != null || measurements != null) {
            throw new BadInput("--from-contract replaces --allowed-image-hashes, --allowed-launcher-compose-hashes, "
                    + "--allowed-launcher-image-hashes and --measurements; give one source");
        }
        try {
            org.dstack4j.near.mpc.Votes.accountId("--from-contract", fromContract);
            var contract = new org.dstack4j.near.mpc.MpcContract(
                    new org.dstack4j.near.rpc.NearRpc(nearRpc, Duration.ofSeconds(timeoutSeconds), org.dstack4j.near.rpc.NearRpc.DEFAULT_MAX_RESPONSE), fromContract);
            try {
                contractPolicy = org.dstack4j.near.mpc.ContractPolicy.read(contract);
            } finally {
                contract.rpc().close();
            }
            MpcPolicy policy = MpcPolicy.withDefaultMeasurements(contractPolicy.images(), contractPolicy.launcherCompose());
            if (launcherTemplate != null) {
                policy = policy.withLauncherRenderings(LauncherTemplate.read(launcherTemplate).renderAll(contractPolicy.launcherImages(), contractPolicy.images()));
            }
            if (expectKeys != null) policy = policy.withExpectedKeys(keys(expectKeys));
            return policy;
        } catch (org.dstack4j.near.rpc.NearRpcException e) {
            throw new BadInput("--from-contract: " + e.getMessage());
        } catch (IllegalArgumentException | IOException | PolicyFormatException e) {
            throw new BadInput("--from-contract: " + e.getMessage());
        }
    }

    /** The contract's OS measurement sets, matched to the node's key-provider event by its digest. */
    private MpcPolicy withContractMeasurements(MpcPolicy policy, MpcPublicData data) throws BadInput {
        try {
            return policy.withMeasurements(contractPolicy.measurementSets(data.eventLog()));
        } catch (IllegalArgumentException e) {
            throw new BadInput("--from-contract: " + e.getMessage());
        }
    }

    /** Where the collateral came from and how its byte fields were written (both forms are accepted). */
    private Check collateralForm(MpcPublicData data) {
        String name = "collateral-form";
        if (collateral != null) return Check.pass(name, "collateral from --collateral " + collateral);
        if (data.collateral().isPresent()) {
            return Check.pass(name, "collateral from the evidence, byte fields (CRLs, signatures) as "
                    + CollateralJson.byteFieldForm(data.collateral().get()));
        }
        return Check.pass(name, "collateral fetched from --pccs-url " + pccsUrl);
    }

    private static NodeKeys keys(String spec) throws BadInput {
        String[] parts = spec.split(",", -1);
        if (parts.length != 2) throw new BadInput("--expect-keys takes SIGNER,P2P (two ed25519:... keys)");
        try {
            return NodeKeys.parse(parts[0].strip(), parts[1].strip());
        } catch (EvidenceFormatException e) {
            throw new BadInput("--expect-keys: " + e.getMessage());
        }
    }

    private MpcPublicData evidence(MpcPolicy policy) throws BadInput, IOException {
        try {
            if (evidence.publicData != null) {
                String src = evidence.publicData;
                return src.startsWith("http://") || src.startsWith("https://")
                        ? MpcPublicData.parse(download(URI.create(src)))
                        : MpcPublicData.read(Path.of(src));
            }
            if (evidence.parts != null) {
                Optional<String> compose = evidence.parts.appCompose == null ? Optional.empty()
                        : Optional.of(Files.readString(evidence.parts.appCompose, StandardCharsets.UTF_8));
                return MpcPublicData.fromParts(quoteBytes(evidence.parts.quote), Files.readAllBytes(evidence.parts.eventLog),
                        compose, Optional.empty());
            }
            if (evidence.attestation != null) {
                return fromAttestation(evidence.attestation);
            }
            return fromAgent(policy);
        } catch (EvidenceFormatException e) {
            throw new BadInput("evidence: " + e.getMessage());
        }
    }

    /**
     * Quote and complete event log from a versioned attestation document. The document's own
     * report data and runtime events must agree with its quote and event log, else it is refused.
     */
    private MpcPublicData fromAttestation(AttestationDoc doc) throws BadInput, IOException, EvidenceFormatException {
        VersionedAttestation a;
        try {
            a = VersionedAttestation.decode(attestationBytes(readCapped(doc.file)));
        } catch (AttestationFormatException e) {
            throw new BadInput("--attestation " + doc.file + ": " + e.getMessage());
        }
        try {
            byte[] quoted = TdxQuote.parse(a.quote()).tdReport().reportData();
            if (!java.util.Arrays.equals(quoted, a.reportData())) {
                throw new BadInput("--attestation " + doc.file + ": its report_data differs from the quote's");
            }
        } catch (QuoteFormatException e) {
            throw new BadInput("--attestation " + doc.file + ": quote: " + e.getMessage());
        }
        if (!VersionedAttestation.runtimeEventsOf(a.eventLog()).equals(a.runtimeEvents())) {
            throw new BadInput("--attestation " + doc.file + ": its runtime_events differ from the RTMR3 entries of its event log");
        }
        Optional<String> compose = doc.appCompose == null ? Optional.empty()
                : Optional.of(Files.readString(doc.appCompose, StandardCharsets.UTF_8));
        String log = EventLog.of(a.eventLog()).toJson();
        return MpcPublicData.fromParts(a.quote(), log.getBytes(StandardCharsets.UTF_8), compose, Optional.empty());
    }

    /** Binary as is; hex text, or a JSON object with an {@code attestation} hex field, decoded. */
    private static byte[] attestationBytes(byte[] raw) throws BadInput {
        String text = new String(raw, StandardCharsets.ISO_8859_1).strip();
        try {
            if (text.startsWith("{")) {
                var node = ReportJson.MAPPER.readTree(text).path("attestation");
                if (!node.isTextual()) throw new BadInput("--attestation: the JSON has no attestation hex string");
                return Hex.decode(node.textValue());
            }
            if (!text.isEmpty() && text.matches("(0x)?[0-9a-fA-F]+")) {
                return Hex.decode(text);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInput("--attestation: not valid JSON or hex: " + e.getMessage());
        }
        return raw;
    }

    /** Quote + complete event log + app-compose from a live agent; report data binds --expect-keys if given. */
    private MpcPublicData fromAgent(MpcPolicy policy) throws BadInput, EvidenceFormatException {
        byte[] reportData = policy.expectedKeys().map(MpcReportData::v1).orElse(new byte[0]);
        try {
            DstackEndpoint endpoint = DstackEndpoint.parse(evidence.dstackSocket);
            try (DstackClient client = DstackClient.builder().endpoint(endpoint).timeout(Duration.ofSeconds(timeoutSeconds)).build()) {
                GetQuoteResponse quote = client.getQuote(reportData);
                InfoResponse info = client.info();
                String log = EventLog.of(info.tcbInfo().eventLog()).toJson();
                return MpcPublicData.fromParts(quote.quote(), log.getBytes(StandardCharsets.UTF_8),
                        Optional.of(info.tcbInfo().appCompose()), Optional.empty());
            }
        } catch (DstackException | IllegalArgumentException e) {
            throw new BadInput("agent: " + e.getMessage());
        }
    }

    private Collateral collateral(MpcPublicData data) throws BadInput, IOException {
        try {
            if (collateral != null) {
                return CollateralJson.parse(readCapped(collateral));
            }
            if (data.collateral().isPresent()) {
                return CollateralJson.fromJson(data.collateral().get());
            }
            if (pccsUrl != null) {
                return new PccsClient(pccsUrl, Duration.ofSeconds(timeoutSeconds), PccsClient.DEFAULT_MAX_BODY_BYTES,
                        Optional.empty()).fetch(data.quote());
            }
        } catch (CollateralFormatException | PccsException e) {
            throw new BadInput("collateral: " + e.getMessage());
        }
        throw new BadInput("no collateral: the evidence carries none; pass --collateral FILE or --pccs-url URL");
    }

    private static byte[] quoteBytes(Path file) throws IOException, BadInput {
        byte[] raw = readCapped(file);
        String text = new String(raw, StandardCharsets.US_ASCII).strip();
        if (!text.isEmpty() && text.matches("(0x)?[0-9a-fA-F]+")) {
            try {
                return Hex.decode(text);
            } catch (IllegalArgumentException e) {
                throw new BadInput("--quote " + file + ": odd-length hex");
            }
        }
        return raw;
    }

    private static byte[] readCapped(Path file) throws IOException, BadInput {
        if (!Files.isRegularFile(file)) throw new BadInput(file + " is not a readable file");
        if (Files.size(file) > MAX_DOWNLOAD_BYTES) throw new BadInput(file + " is larger than " + MAX_DOWNLOAD_BYTES + " bytes");
        return Files.readAllBytes(file);
    }

    /** GETs {@code url}: at most {@link #MAX_DOWNLOAD_BYTES}, headers and body within one --timeout deadline. */
    private byte[] download(URI url) throws BadInput {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new BadInput(url + " is not an http(s) URL");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        // The request timeout covers only the headers; a trickling body is bounded by this deadline.
        CompletableFuture<byte[]> body = new CompletableFuture<>();
        Thread.ofVirtual().name("verify-download").start(() -> {
            try {
                HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(url)
                        .timeout(Duration.ofSeconds(timeoutSeconds)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    if (r.statusCode() != 200) throw new IOException("answered HTTP " + r.statusCode());
                    body.complete(in.readNBytes(MAX_DOWNLOAD_BYTES + 1));
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                body.completeExceptionally(e);
            }
        });
        try {
            byte[] bytes = body.get(timeoutSeconds, TimeUnit.SECONDS);
            if (bytes.length > MAX_DOWNLOAD_BYTES) throw new BadInput(url + " sent more than " + MAX_DOWNLOAD_BYTES + " bytes");
            return bytes;
        } catch (TimeoutException e) {
            throw new BadInput(url + ": no complete answer within " + timeoutSeconds + " s (--timeout)");
        } catch (ExecutionException e) {
            throw new BadInput("cannot fetch " + url + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadInput("interrupted while fetching " + url);
        } finally {
            client.shutdownNow(); // also ends a reader still blocked on a slow body
        }
    }

    private static X509Certificate readRoot(Path pem) throws BadInput, IOException {
        try (InputStream in = new ByteArrayInputStream(readCapped(pem))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException | ClassCastException e) {
            throw new BadInput("--trust-test-root " + pem + " is not a PEM certificate: " + e.getMessage());
        }
    }

    private static Instant parseInstant(String text) throws BadInput {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new BadInput("--at " + text + " is not an ISO-8601 instant like 2026-08-13T11:45:38Z");
        }
    }

    private static ObjectNode json(boolean valid, DcapVerification dcap, AppVerification app, MpcPolicy policy, List<Check> checks,
            Instant at) {
        ObjectNode o = ReportJson.MAPPER.createObjectNode();
        o.put("valid", valid);
        o.put("status", dcap.status());
        ArrayNode adv = o.putArray("advisory_ids");
        dcap.advisoryIds().forEach(adv::add);
        o.put("mpc_image_digest", app.mpcImageDigest().orElse(null));
        o.put("compose_hash", app.composeHash().orElse(null));
        o.put("launcher_compose_hash", app.launcherComposeHash().orElse(null));
        app.launcherComposeHash().map(policy.launcherRenderings()::get).ifPresent(r -> {
            ObjectNode rendered = o.putObject("launcher_compose_rendering");
            rendered.put("launcher_image_digest", r.launcherDigest().orElse(null));
            rendered.put("mpc_image_digest", r.mpcDigest());
            rendered.put("template", r.template());
        });
        o.put("report_data", app.reportDataHex());
        o.put("verified_at", at.toString());
        ArrayNode arr = o.putArray("checks");
        for (Check c : checks) arr.addObject().put("name", c.name()).put("ok", c.ok()).put("detail", c.detail());
        return o;
    }

    private static String text(boolean valid, DcapVerification dcap, AppVerification app, List<Check> checks, Instant at) {
        StringBuilder s = new StringBuilder();
        // every value below may come from the evidence or collateral: escaped so it cannot forge a line
        for (Check c : checks) {
            s.append(c.ok() ? "  ok    " : "  FAIL  ").append(String.format("%-26s", TerminalText.escape(c.name())))
                    .append(' ').append(TerminalText.escape(c.detail())).append('\n');
        }
        s.append("TCB status        ").append(TerminalText.escape(dcap.status())).append('\n');
        s.append("advisory IDs      ").append(dcap.advisoryIds().isEmpty() ? "(none)"
                : TerminalText.escape(String.join(" ", dcap.advisoryIds()))).append('\n');
        s.append("mpc-image-digest  ").append(TerminalText.escape(app.mpcImageDigest().orElse("(none)"))).append('\n');
        s.append("compose-hash      ").append(TerminalText.escape(app.composeHash().orElse("(none)"))).append('\n');
        s.append("verified at       ").append(at).append('\n');
        long failed = checks.stream().filter(c -> !c.ok()).count();
        s.append(valid ? "VALID: every check passed\n" : "INVALID: " + failed + " check(s) failed\n");
        return s.toString();
    }
}
