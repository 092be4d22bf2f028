package org.dstack4j.tls;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A member's HTTPS server for the domain: the derived key with the checked chain (TLS 1.3 and 1.2), the
 * attestation at {@link TlsAttestation#PATH} (the evidence bytes), and the app's handler at {@code /}. Serves on
 * virtual threads with {@link HttpCaps}: request and response time, connections, headers, and at most
 * {@value #MAX_IN_FLIGHT} exchanges per context at once; nothing here reads a request body (the app's handler caps its own).
 */
public final class TlsServer implements AutoCloseable {
    /** Exchanges handled at once per context (the attestation, the app). */
    public static final int MAX_IN_FLIGHT = 256;
    private final HttpsServer server;
    private final Keys keys;

    private TlsServer(HttpsServer server, Keys keys) {
        this.server = server;
        this.keys = keys;
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
        HttpCaps.apply();
        HttpsServer s = HttpsServer.create(address, 64);
        Keys keys = new Keys(key.getPrivate(), accepted.chain());
        SSLContext ctx = context(keys);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                params.setSSLParameters(p);
            }
        });
        byte[] body = evidence.clone();
        var attestation = s.createContext(TlsAttestation.PATH, ex -> {
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
        attestation.getFilters().add(HttpCaps.inFlight(MAX_IN_FLIGHT));
        s.createContext("/", app).getFilters().add(HttpCaps.inFlight(MAX_IN_FLIGHT));
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return new TlsServer(s, keys);
    }

    /**
     * Serves {@code accepted} (a renewed chain for the same key) to new TLS handshakes from now on.
     *
     * @throws IllegalArgumentException if its leaf is for another key than the one served
     */
    public void replace(CertificateCheck.Accepted accepted) {
        if (!java.util.Arrays.equals(accepted.chain().getFirst().getPublicKey().getEncoded(), keys.chain.getFirst().getPublicKey().getEncoded())) {
            throw new IllegalArgumentException("the new certificate is for another key than the served one");
        }
        keys.chain = List.copyOf(accepted.chain());
    }

    /** The chain served now, leaf first. */
    public List<X509Certificate> chain() {
        return keys.chain;
    }

    private static SSLContext context(Keys keys) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[] {keys}, null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS with the derived key: " + e.getMessage(), e);
        }
    }

    /** The one key and its current chain; the chain is swapped on renewal without restarting the server. */
    private static final class Keys extends X509ExtendedKeyManager {
        private static final String ALIAS = "tls";
        private final PrivateKey key;
        volatile List<X509Certificate> chain;

        Keys(PrivateKey key, List<X509Certificate> chain) {
            this.key = key;
            this.chain = List.copyOf(chain);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return chooseServerAlias(keyType, issuers, null);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return key.getAlgorithm().equals(keyType) || ("EC".equals(key.getAlgorithm()) && keyType.startsWith("EC")) ? ALIAS : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            String a = chooseServerAlias(keyType, issuers, null);
            return a == null ? null : new String[] {a};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.toArray(new X509Certificate[0]) : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
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
