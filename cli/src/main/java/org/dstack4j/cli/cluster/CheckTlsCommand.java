package org.dstack4j.cli.cluster;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.attestation.dcap.PccsException;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.evm.EvmClusterView;
import org.dstack4j.cluster.join.ClusterPolicy;
import org.dstack4j.cluster.join.CollateralSource;
import org.dstack4j.sdk.TerminalText;
import org.dstack4j.tls.CertificateStore;
import org.dstack4j.tls.TlsAttestationCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dstack4j cluster check-tls URL}: connects to an unstoppable-TLS server, takes the certificate it presents
 * and, over the same TLS session, its attestation, and checks that a genuine TD vouches for the certificate's key
 * (docs/tls.md). Exit 0 when every check passes, 1 when one fails, 2 on bad input.
 */
@Command(name = "check-tls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks an unstoppable-TLS server: its certificate names the host, and the attestation served at",
            "/.well-known/dstack-attestation over the same TLS session is a genuine TD quote (Intel DCAP) whose report",
            "data binds the certificate's public key, with its event log and app-compose. One line per check."},
        footer = {"", "Example (the simulator's test root):",
            "  dstack4j cluster check-tls https://app.example.com/ --trust-test-root root.pem --collateral collateral.json"})
public final class CheckTlsCommand implements Callable<Integer> {
    private static final long MAX_FILE = 1 << 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "URL", description = "https://DOMAIN[:PORT]/ of the server")
    String url;

    @Option(names = "--connect-to", paramLabel = "HOST:PORT", description = "connect here instead of the URL's host (SNI and the name check still use the URL's)")
    String connectTo;

    @Option(names = "--collateral", paramLabel = "FILE", description = "DCAP collateral JSON for the server's quote")
    Path collateral;

    @Option(names = "--pccs-url", paramLabel = "URL", description = "fetch the collateral from this PCCS / Intel PCS instead")
    URI pccsUrl;

    @Option(names = "--trust-test-root", paramLabel = "PEM", description = "trust this DCAP root instead of Intel's (the simulator's TEST root)")
    Path testRoot;

    @Option(names = "--ca-file", paramLabel = "PEM", description = "also require the certificate chain to validate to these CA roots")
    List<Path> caFiles = new ArrayList<>();

    @Option(names = "--expect-compose-hash", paramLabel = "HEX", description = "the served app-compose's SHA-256 must be one of these")
    List<String> composeHashes = new ArrayList<>();

    @Option(names = "--rpc", paramLabel = "URL", description = "with --contract: also require the cluster contract's policy to allow the server's DCAP root, TCB status, measurement and compose hash")
    URI rpc;

    @Option(names = "--contract", paramLabel = "ADDRESS", description = "the DstackCluster contract (with --rpc)")
    String contract;

    @Option(names = "--confirmations", paramLabel = "BLOCKS", defaultValue = "2", description = "read the policy at head minus this many blocks (default ${DEFAULT-VALUE})")
    int confirmations;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10", description = "connect, read and PCCS deadline (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TlsAttestationCheck check;
        try {
            check = check();
        } catch (BadInput e) {
            err.println("check-tls: " + e.getMessage());
            return 2;
        }
        TlsAttestationCheck.Result r;
        try {
            r = check.run(Instant.now());
        } finally {
            if (rpcClient != null) rpcClient.close();
        }
        for (Check c : r.checks()) {
            out.printf("%-18s %s  %s%n", c.name(), c.ok() ? "ok  " : "FAIL", TerminalText.escape(c.detail()));
        }
        out.println(r.ok() ? "VALID: the certificate's key is held by an attested TD" : "INVALID: " + r.checks().getLast().name() + " failed");
        out.flush();
        return r.ok() ? 0 : 1;
    }

    private JsonRpcClient rpcClient;

    /** The contract's policy, pinned at head − confirmations on first use; a failed read fails the check, never passes it. */
    private Optional<ClusterPolicy> policy(Duration timeout) throws BadInput {
        if (rpc == null && contract == null) return Optional.empty();
        if (rpc == null || contract == null) throw new BadInput("--rpc and --contract go together (the cluster contract's policy)");
        if (!"http".equals(rpc.getScheme()) && !"https".equals(rpc.getScheme())) throw new BadInput("--rpc is an http(s) URL, got " + rpc);
        if (confirmations < 0 || confirmations > 1000) throw new BadInput("--confirmations is 0..1000");
        Address address = ChainOptions.address(spec.commandLine(), "--contract", contract);
        rpcClient = new JsonRpcClient(rpc, timeout, JsonRpcClient.DEFAULT_MAX_RESPONSE);
        JsonRpcClient client = rpcClient;
        ClusterPolicy[] pinned = new ClusterPolicy[1];
        return Optional.of((kind, value) -> {
            if (pinned[0] == null) {
                try {
                    pinned[0] = new EvmClusterView(new ClusterContract(address), ChainView.pin(client, confirmations)).policy();
                } catch (RpcException e) {
                    throw new ClusterPolicy.PolicyUnavailableException(rpc + ": " + e.getMessage(), e);
                }
            }
            return pinned[0].isAllowed(kind, value);
        });
    }

    private TlsAttestationCheck check() throws BadInput, IOException {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new BadInput("URL " + TerminalText.escape(url) + " is not a URL: " + e.getReason());
        }
        if (!"https".equals(u.getScheme()) || u.getHost() == null) throw new BadInput("URL must be https://DOMAIN[:PORT]/, got " + TerminalText.escape(url));
        if (timeoutSeconds < 1 || timeoutSeconds > 300) throw new BadInput("--timeout is 1..300 seconds");
        Optional<InetSocketAddress> to = Optional.empty();
        if (connectTo != null) {
            int c = connectTo.lastIndexOf(':');
            try {
                if (c < 1) throw new NumberFormatException();
                to = Optional.of(new InetSocketAddress(connectTo.substring(0, c), Integer.parseInt(connectTo.substring(c + 1))));
            } catch (IllegalArgumentException e) {
                throw new BadInput("--connect-to is HOST:PORT, got " + TerminalText.escape(connectTo));
            }
        }
        if ((collateral == null) == (pccsUrl == null)) throw new BadInput("give the quote's collateral: exactly one of --collateral FILE or --pccs-url URL");
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        CollateralSource source;
        if (collateral != null) {
            var parsed = parseCollateral(read(collateral, "--collateral"));
            source = quote -> parsed;
        } else {
            URI pccs = pccsUrl;
            source = quote -> {
                try {
                    return new PccsClient(pccs, timeout, PccsClient.DEFAULT_MAX_BODY_BYTES, Optional.empty()).fetch(quote);
                } catch (PccsException e) {
                    throw new CollateralSource.CollateralUnavailableException(e.getMessage(), e);
                }
            };
        }
        DcapVerifier dcap = testRoot == null ? DcapVerifier.intel() : DcapVerifier.withTrustedRoot(certs(testRoot, "--trust-test-root").getFirst());
        List<X509Certificate> roots = new ArrayList<>();
        for (Path p : caFiles) roots.addAll(certs(p, "--ca-file"));
        Set<String> expected = new HashSet<>();
        for (String h : composeHashes) {
            String x = h.startsWith("0x") ? h.substring(2) : h;
            if (!x.matches("[0-9a-fA-F]{64}")) throw new BadInput("--expect-compose-hash is 64 hex digits, got " + TerminalText.escape(h));
            expected.add(x.toLowerCase(java.util.Locale.ROOT));
        }
        return new TlsAttestationCheck(u, to, dcap, source, roots, expected, policy(timeout), timeout);
    }

    private static org.dstack4j.attestation.dcap.Collateral parseCollateral(byte[] bytes) throws BadInput {
        try {
            return CollateralJson.parse(bytes);
        } catch (CollateralFormatException e) {
            throw new BadInput("--collateral: " + e.getMessage());
        }
    }

    private static List<X509Certificate> certs(Path p, String option) throws BadInput, IOException {
        List<X509Certificate> c = CertificateStore.parse(read(p, option), option + " " + p);
        if (c.isEmpty()) throw new BadInput(option + " " + p + " holds no PEM certificate");
        return c;
    }

    private static byte[] read(Path p, String option) throws BadInput, IOException {
        if (!Files.isRegularFile(p)) throw new BadInput(option + " " + p + " is not a readable file");
        if (Files.size(p) > MAX_FILE) throw new BadInput(option + " " + p + " is larger than " + MAX_FILE + " bytes");
        return Files.readAllBytes(p);
    }

    /** Bad input: one line naming the option and the fix; exit 2. */
    private static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
    }
}
