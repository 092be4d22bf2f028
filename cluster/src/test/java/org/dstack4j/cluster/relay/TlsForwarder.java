package org.dstack4j.cluster.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.dstack4j.agent.pki.AppCa;

/**
 * Test stand-in for an https RPC provider: a TLS-terminating forwarder on loopback in front of a plain-http anvil,
 * with a certificate issued by a test CA for the names given (the real thing, a provider's TLS front, cannot run here).
 * Each accepted connection is piped to the backend on its own thread.
 */
final class TlsForwarder implements AutoCloseable {
    private final SSLServerSocket server;
    private final Thread acceptor;

    private TlsForwarder(SSLServerSocket server, InetSocketAddress backend) {
        this.server = server;
        this.acceptor = Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> forward(s, backend));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Serves TLS with a certificate from {@code ca} for {@code names} (DNS names or IP literals), forwarding to {@code backend}. */
    static TlsForwarder start(AppCa ca, List<String> names, URI backend) throws Exception {
        KeyPair kp = ca.newKeyPair();
        AppCa.IssuedTlsKey issued = ca.issue(kp, new AppCa.TlsRequest(names.getFirst(), names, true, false,
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600), Map.of()));
        String b64 = issued.keyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        var cf = java.security.cert.CertificateFactory.getInstance("X.509");
        Certificate[] chain = issued.certificateChain().stream().map(p -> {
            try {
                return (X509Certificate) cf.generateCertificate(new java.io.ByteArrayInputStream(p.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toArray(Certificate[]::new);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("tls", key, new char[0], chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getLoopbackAddress());
        return new TlsForwarder(s, new InetSocketAddress(backend.getHost(), backend.getPort()));
    }

    int port() {
        return server.getLocalPort();
    }

    private static void forward(Socket client, InetSocketAddress backend) {
        try (client; Socket up = new Socket()) {
            up.connect(backend, 5_000);
            Thread back = Thread.ofVirtual().start(() -> pipe(up, client));
            pipe(client, up);
            back.join(10_000);
        } catch (IOException | InterruptedException ignored) {
            // the test reads the outcome at the client
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException | RuntimeException ignored) {
            // one side closed (an SSLSocket may not support a half close)
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
