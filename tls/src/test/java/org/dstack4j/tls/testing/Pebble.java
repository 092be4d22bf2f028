package org.dstack4j.tls.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.dstack4j.tls.AcmeDirectory;
import org.dstack4j.tls.CertificateStore;

/**
 * Debian's real pebble (Let's Encrypt's test ACME server) and pebble-challtestsrv as child processes on 127.0.0.1
 * only. challtestsrv is pebble's DNS server and answers every A query with 127.0.0.1 (no AAAA), so pebble's
 * validator reaches the member's HTTP-01 responder on {@link #httpPort()}. pebble's own HTTPS certificate comes
 * from a {@link TestCa} made here (Debian ships none); its issuing root is read from the management endpoint.
 * {@code PEBBLE_VA_NOSLEEP=1} removes pebble's random validation delays (up to 15 s); nonce rejection is off
 * (acme4j retries it, but it only slows tests). Validation is real: {@code PEBBLE_VA_ALWAYS_VALID} is not set.
 */
public final class Pebble implements AutoCloseable {
    private final Process pebble;
    private final Process challtestsrv;
    private final TestCa serverCa;
    private final int acmePort;
    private final int httpPort;
    private final X509Certificate root;

    private Pebble(Process pebble, Process challtestsrv, TestCa serverCa, int acmePort, int httpPort, X509Certificate root) {
        this.pebble = pebble;
        this.challtestsrv = challtestsrv;
        this.serverCa = serverCa;
        this.acmePort = acmePort;
        this.httpPort = httpPort;
        this.root = root;
    }

    /** Starts both processes with their files and logs in {@code dir}; ready when the root is readable. */
    public static Pebble start(Path dir) throws Exception {
        for (String bin : new String[] {"pebble", "pebble-challtestsrv"}) {
            if (!Files.isExecutable(Path.of("/usr/bin", bin))) throw new IOException("/usr/bin/" + bin + " is missing: apt-get install pebble (scripts/test does)");
        }
        int[] ports = freePorts(6);
        int acme = ports[0], mgmt = ports[1], dns = ports[2], ctsMgmt = ports[3], http = ports[4], tls = ports[5];
        TestCa ca = TestCa.create("dstack4j test pebble server CA");
        KeyPair k = TestCa.p256();
        Path cert = dir.resolve("pebble-cert.pem"), key = dir.resolve("pebble-key.pem"), config = dir.resolve("pebble.json");
        Files.writeString(cert, CertificateStore.pem(List.of(ca.leaf(k.getPublic(), "localhost"))));
        Files.writeString(key, TestCa.pem(new JcaPKCS8Generator(k.getPrivate(), null)));
        Files.writeString(config, """
                {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                 "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                 "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                """.formatted(acme, mgmt, cert, key, http, tls));
        ProcessBuilder cts = new ProcessBuilder("pebble-challtestsrv", "-dns01", "127.0.0.1:" + dns, "-http01", "", "-https01", "",
                "-tlsalpn01", "", "-management", "127.0.0.1:" + ctsMgmt, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "")
                .redirectErrorStream(true).redirectOutput(dir.resolve("challtestsrv.log").toFile());
        Process c = cts.start();
        ProcessBuilder pb = new ProcessBuilder("pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dns)
                .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
        pb.environment().put("PEBBLE_VA_NOSLEEP", "1");
        pb.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
        Process p = pb.start();
        try {
            waitFor(acme, p, dir.resolve("pebble.log"));
            // pebble opens its management listener in a goroutine of its own: the ACME one listening does not mean it is
            waitFor(mgmt, p, dir.resolve("pebble.log"));
            waitFor(dns, c, dir.resolve("challtestsrv.log"));
            HttpClient client = HttpClient.newBuilder().sslContext(trusting(ca.certificate())).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + mgmt + "/roots/0"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IOException("pebble /roots/0 answered " + r.statusCode());
            X509Certificate root = CertificateStore.parse(r.body(), "pebble's root").getFirst();
            return new Pebble(p, c, ca, acme, http, root);
        } catch (Exception e) {
            p.destroyForcibly();
            c.destroyForcibly();
            throw e;
        }
    }

    /** The ACME directory, trusting pebble's throw-away server certificate. */
    public AcmeDirectory directory() {
        return new AcmeDirectory(URI.create("https://127.0.0.1:" + acmePort + "/dir"), List.of(serverCa.certificate()), Duration.ofSeconds(20));
    }

    /** The port pebble's validator connects to for HTTP-01 (the member's responder listens there). */
    public int httpPort() {
        return httpPort;
    }

    /** The root pebble issues under (fresh per pebble run), from its management endpoint. */
    public X509Certificate root() {
        return root;
    }

    @Override
    public void close() {
        pebble.destroy();
        challtestsrv.destroy();
    }

    public static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /**
     * {@code n} distinct free loopback ports: all are held open until all are chosen, so two of them cannot be the
     * same port released and handed out again (pebble needs them in its config file, before it binds them).
     */
    public static int[] freePorts(int n) throws IOException {
        ServerSocket[] held = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                held[i] = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                ports[i] = held[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                if (s != null) s.close();
            }
        }
    }

    private static void waitFor(int port, Process p, Path log) throws Exception {
        Instant end = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(end)) {
            if (!p.isAlive()) throw new IOException(p.info().command().orElse("process") + " exited: " + Files.readString(log, StandardCharsets.UTF_8));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("nothing listens on 127.0.0.1:" + port + " after 15 s: " + Files.readString(log, StandardCharsets.UTF_8));
    }

    private static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
