package org.dstack4j.cli.cluster;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.daemon.NodeDaemon;
import org.dstack4j.cluster.node.Attestor;
import org.dstack4j.tls.AcmeDirectory;
import org.dstack4j.tls.AppProxy;
import org.dstack4j.tls.CertificateStore;
import org.dstack4j.tls.Domain;
import org.dstack4j.tls.Http01Responder;
import org.dstack4j.tls.TlsMember;
import org.dstack4j.tls.UnstoppableTls;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code cluster node}'s unstoppable-TLS options (docs/tls.md "In the node"): with {@code --tls-domain} the node runs
 * {@link TlsMember} next to its member loop once it holds the secret, answers HTTP-01 on {@code --http01-listen} and
 * serves the site on {@code --tls-listen}, forwarding to the app's plain-HTTP port ({@code --tls-upstream}).
 */
final class NodeTlsOptions {
    private static final int MAX_PEM = CertificateStore.MAX_BYTES;

    @Option(names = "--tls-domain", paramLabel = "NAME",
            description = "Devnet only (a pin with allow_test_root and no \"tls\"): serve HTTPS for NAME with the cluster's derived key "
                    + "and a certificate one elected member obtains over ACME (docs/tls.md). Needs --acme-directory, --acme-root and "
                    + "--tls-store. With the site pinned in the app-compose this may only repeat the pinned domain.")
    String domain;

    @Option(names = "--acme-directory", paramLabel = "URL", description = "The ACME directory (https), e.g. https://acme-v02.api.letsencrypt.org/directory.")
    URI acmeDirectory;

    @Option(names = "--acme-root", paramLabel = "PEM",
            description = "Devnet only: a root the certificate must chain to (the ACME CA's; repeatable). Refused when the compose pins tls.acme_root.")
    List<Path> acmeRoots = new ArrayList<>();

    @Option(names = "--acme-server-ca", paramLabel = "PEM",
            description = "Trust exactly these CA certificates for the ACME server's HTTPS (default: the JDK's roots).")
    List<Path> acmeServerCa = new ArrayList<>();

    @Option(names = "--tls-store", paramLabel = "DIR",
            description = "Folder holding DOMAIN.chain.pem, shared by the members (host storage; untrusted: every member checks what it reads).")
    Path store;

    @Option(names = "--tls-listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:443", description = "Where the site listens (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--http01-listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:80",
            description = "Where ACME HTTP-01 challenges are answered (the host forwards port 80 here; default ${DEFAULT-VALUE}).")
    String http01Listen;

    @Option(names = "--tls-upstream", paramLabel = "URL",
            description = "The app's plain-HTTP URL inside the CVM (loopback, localhost or a compose service name, e.g. http://127.0.0.1:8080 or http://app:8080; a dotted name or other IP is refused): every path but the attestation is forwarded there. "
                    + "Without it those paths answer 404.")
    URI upstream;

    @Option(names = "--tls-fallback-delay", paramLabel = "SECONDS", defaultValue = "60",
            description = "The k-th member in the issuer election orders after k times this (default ${DEFAULT-VALUE}).")
    long fallbackSeconds;

    @Option(names = "--tls-renew-before", paramLabel = "DAYS", defaultValue = "30", description = "Renew a certificate expiring within this (default ${DEFAULT-VALUE}).")
    long renewDays;

    @Option(names = "--tls-recheck", paramLabel = "SECONDS", defaultValue = "3600", description = "How often the certificate is checked for renewal (default ${DEFAULT-VALUE}).")
    long recheckSeconds;

    /**
     * The site this node serves: from the app-compose's {@code dstack4j_cluster.tls} pin (the flags may only repeat
     * it), or, in a devnet pin ({@code allow_test_root}) without one, from the flags.
     *
     * @param pinned whether the measured compose chose it (else the host did, through the flags)
     */
    record Site(Domain domain, URI acmeDirectory, List<X509Certificate> roots, java.util.Optional<URI> upstream, boolean pinned) {}

    /**
     * What {@code pin} and the flags say to serve; null when neither asks for TLS.
     *
     * @throws CommandLine.ParameterException naming the option that conflicts with the pin, is missing or is bad
     */
    Site site(CommandLine cmd, ClusterPin pin) throws IOException {
        if (pin.tls().isPresent()) return pinnedSite(cmd, pin.tls().get());
        if (domain == null) {
            for (Object o : new Object[] {acmeDirectory, store, upstream}) {
                if (o != null) throw new CommandLine.ParameterException(cmd, "the --acme-*/--tls-* options need --tls-domain NAME");
            }
            return null;
        }
        if (!pin.allowTestRoot()) {
            throw new CommandLine.ParameterException(cmd, "--tls-domain: pin the site in the app-compose (" + ClusterPin.FIELD
                    + ".tls: domain, acme_directory, acme_root, upstream; docs/tls.md) — a site the host names by flag is accepted "
                    + "only in a devnet pin (allow_test_root)");
        }
        Domain d;
        try {
            d = new Domain(domain);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--tls-domain: " + e.getMessage());
        }
        if (acmeDirectory == null) throw new CommandLine.ParameterException(cmd, "--tls-domain needs --acme-directory URL");
        if (acmeRoots.isEmpty()) throw new CommandLine.ParameterException(cmd, "--tls-domain needs --acme-root PEM (the ACME CA's root)");
        return new Site(d, acmeDirectory, certs(cmd, acmeRoots, "--acme-root"), java.util.Optional.ofNullable(upstream), false);
    }

    private Site pinnedSite(CommandLine cmd, ClusterPin.TlsPin tls) throws IOException {
        String where = " is pinned in the app-compose (" + ClusterPin.FIELD + ".tls.";
        if (domain != null && !domain.equalsIgnoreCase(tls.domain())) {
            throw new CommandLine.ParameterException(cmd, "--tls-domain " + domain + " differs from " + tls.domain() + ", which" + where
                    + "domain); drop the option");
        }
        if (acmeDirectory != null && !acmeDirectory.equals(tls.acmeDirectory())) {
            throw new CommandLine.ParameterException(cmd, "--acme-directory differs from " + tls.acmeDirectory() + ", which" + where
                    + "acme_directory); drop the option");
        }
        if (!acmeRoots.isEmpty()) throw new CommandLine.ParameterException(cmd, "--acme-root: the ACME roots" + where + "acme_root); drop the option");
        if (upstream != null && !tls.upstream().equals(java.util.Optional.of(upstream))) {
            throw new CommandLine.ParameterException(cmd, "--tls-upstream differs from the upstream" + where + "upstream); drop the option");
        }
        List<X509Certificate> roots = CertificateStore.parse(tls.acmeRootPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                ClusterPin.FIELD + ".tls.acme_root");
        return new Site(new Domain(tls.domain()), tls.acmeDirectory(), roots, tls.upstream(), true);
    }

    /**
     * Checks the options against the pin and starts the job on a thread of its own (it waits for the secret); null
     * when neither the pin nor {@code --tls-domain} asks for TLS.
     *
     * @throws CommandLine.ParameterException on bad or missing options, naming the option
     */
    AutoCloseable start(CommandLine cmd, ClusterPin pin, NodeDaemon daemon, Attestor attestor, PrintWriter out) throws IOException {
        Site site = site(cmd, pin);
        if (site == null) return null;
        if (store == null) throw new CommandLine.ParameterException(cmd, "serving " + site.domain() + " needs --tls-store DIR");
        if (fallbackSeconds < 1 || renewDays < 1 || recheckSeconds < 1) {
            throw new CommandLine.ParameterException(cmd, "--tls-fallback-delay, --tls-renew-before and --tls-recheck must be at least 1");
        }
        Domain d = site.domain();
        AcmeDirectory acme;
        AppProxy app;
        try {
            acme = new AcmeDirectory(site.acmeDirectory(), certs(cmd, acmeServerCa, "--acme-server-ca"), Duration.ofSeconds(30));
            app = site.upstream().isEmpty() ? AppProxy.none() : AppProxy.to(site.upstream().get(), Duration.ofSeconds(30), 1024 * 1024);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, (site.pinned() ? ClusterPin.FIELD + ".tls: " : "") + e.getMessage());
        }
        List<X509Certificate> roots = site.roots();
        Files.createDirectories(store);
        Duration fallback = Duration.ofSeconds(fallbackSeconds);
        // the wait for one's turn is bounded by the round: the k-th member waits k × fallback, members are few
        var settings = new UnstoppableTls.Settings(d, acme, roots, new CertificateStore(store), fallback, Duration.ofSeconds(1),
                fallback.multipliedBy(16).plusMinutes(5), Duration.ofDays(renewDays));
        Address me;
        try {
            me = attestor.nodeAddress();
        } catch (Attestor.AttestationException e) {
            throw new IOException("no node address from the agent: " + e.getMessage(), e);
        }
        Http01Responder responder = Http01Responder.start(address(cmd, "--http01-listen", http01Listen));
        TlsMember member = new TlsMember(settings, new TlsMember.Serving(address(cmd, "--tls-listen", listen), app, Duration.ofSeconds(recheckSeconds)),
                daemon::withDerivation, daemon::members, me, attestor, responder, line -> {
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                });
        Thread t = Thread.ofPlatform().name("tls-" + d.name()).daemon().start(member::run);
        return () -> {
            member.close();
            t.interrupt();
            responder.close();
        };
    }

    private static InetSocketAddress address(CommandLine cmd, String option, String hostPort) {
        int c = hostPort.lastIndexOf(':');
        try {
            if (c <= 0) throw new NumberFormatException();
            int port = Integer.parseInt(hostPort.substring(c + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return new InetSocketAddress(hostPort.substring(0, c).replaceAll("^\\[|]$", ""), port);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(cmd, option + " is HOST:PORT, got " + hostPort);
        }
    }

    private static List<X509Certificate> certs(CommandLine cmd, List<Path> files, String option) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        for (Path p : files) {
            if (!Files.isRegularFile(p) || Files.size(p) > MAX_PEM) {
                throw new CommandLine.ParameterException(cmd, option + " " + p + " is not a readable PEM file of at most " + MAX_PEM + " bytes");
            }
            List<X509Certificate> c = CertificateStore.parse(Files.readAllBytes(p), option + " " + p);
            if (c.isEmpty()) throw new CommandLine.ParameterException(cmd, option + " " + p + " holds no PEM certificate");
            out.addAll(c);
        }
        return out;
    }
}
