package org.dstack4j.tls;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A member's HTTPS server for the domain: the derived key with the checked chain (TLS 1.3 and 1.2), the
 * attestation at {@link TlsAttestation#PATH} (the evidence bytes), and the app's handler at {@code /}. Serves on
 * virtual threads; the JDK server bounds request headers, and nothing here reads a request body.
 */
public final class TlsServer implements AutoCloseable {
    private final HttpsServer server;

    private TlsServer(HttpsServer server) {
        this.server = server;
    }

    /**
     * Starts serving.
     *
     * @param address  where to listen (0.0.0.0:443 in a CVM; a loopback port in tests)
     * @param key      the domain's derived key pair
     * @param accepted the chain {@link CertificateCheck} accepted
     * @param evidence the encoded evidence whose report data is {@link TlsAttestation#reportData} of the key
     * @param app      the handler of every other path
     */
    public static TlsServer start(InetSocketAddress address, KeyPair key, CertificateCheck.Accepted accepted, byte[] evidence,
            HttpHandler app) throws IOException {
        HttpsServer s = HttpsServer.create(address, 64);
        SSLContext ctx = context(key, accepted.chain());
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                params.setSSLParameters(p);
            }
        });
        byte[] body = evidence.clone();
        s.createContext(TlsAttestation.PATH, ex -> {
            try (ex) {
                if (!"GET".equals(ex.getRequestMethod())) {
                    ex.sendResponseHeaders(405, -1);
                    return;
                }
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        s.createContext("/", app);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return new TlsServer(s);
    }

    private static SSLContext context(KeyPair key, List<X509Certificate> chain) {
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("tls", key.getPrivate(), pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load the TLS key and chain: " + e.getMessage(), e);
        }
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops at once (open connections are dropped). */
    @Override
    public void close() {
        server.stop(0);
    }
}
