package org.dstack4j.cluster.relay;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.nio.channels.WritePendingException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.chain.rpc.RpcTransport;
import org.dstack4j.sdk.http.JettyClients;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpProxy;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The node's chain reads through its host relay: for each JSON-RPC call an HTTP {@code CONNECT host:port} on the
 * relay's unix socket opens a byte tunnel to the endpoint, and the request runs inside it. For an {@code https}
 * endpoint TLS is terminated here, in the CVM: the relay carries ciphertext it cannot read or alter undetected, and a
 * relay that connects the tunnel to another host fails the certificate check (the server must present a certificate
 * for the host this node named, chaining to {@code trust}). For an {@code http} endpoint (a devnet) the relay sees and
 * could rewrite everything.
 *
 * <p>Endpoints come from the node's measured pin ({@code ClusterPin#rpc()}): the node names only those, so the host
 * cannot point its reads elsewhere. Thread-safe; a tunnel (and its TLS session) is kept open
 * and reused for later calls to the same endpoint until idle.
 */
public final class RelayTunnel implements AutoCloseable {
    /** Tries of one call whose request could not be written into a fresh tunnel (see {@code Tunnelled#post}). */
    private static final int MAX_ATTEMPTS = 5;
    private final Duration timeout;
    private final long maxResponse;
    private final HttpClient http;

    /** Whose certificates an https endpoint may present. */
    public sealed interface Trust permits JdkTrust, PinnedCa {}

    /** The JDK's trust store (the image's {@code cacerts}, measured with the image). */
    public record JdkTrust() implements Trust {}

    /** Only these CA certificates (from the pin's {@code rpc_ca}). */
    public record PinnedCa(List<X509Certificate> certificates) implements Trust {
        public PinnedCa {
            certificates = List.copyOf(certificates);
            if (certificates.isEmpty()) throw new IllegalArgumentException("a pinned CA needs at least one certificate");
        }

        /**
         * Parses PEM text.
         *
         * @throws IllegalArgumentException when it holds no X.509 certificate
         */
        public static PinnedCa fromPem(String pem) {
            try {
                List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).stream()
                        .map(c -> (X509Certificate) c).toList();
                return new PinnedCa(certs);
            } catch (CertificateException | IllegalArgumentException e) {
                throw new IllegalArgumentException("rpc_ca must be PEM X.509 certificates: " + e.getMessage(), e);
            }
        }
    }

    /**
     * @param relaySocket      the host relay's unix socket
     * @param trust            whose certificates https endpoints may present
     * @param timeout          deadline of one call (tunnel, TLS handshake, request and response)
     * @param maxResponseBytes cap on one response body
     */
    public RelayTunnel(Path relaySocket, Trust trust, Duration timeout, long maxResponseBytes) {
        Objects.requireNonNull(relaySocket, "relaySocket");
        if (timeout.isNegative() || timeout.isZero() || maxResponseBytes <= 0 || maxResponseBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the tunnel's timeout and response cap must be positive (cap below 2 GiB)");
        }
        this.timeout = timeout;
        this.maxResponse = maxResponseBytes;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host this node asked for
        if (trust instanceof PinnedCa ca) tls.setTrustStore(keyStore(ca.certificates()));
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        HttpClient c = JettyClients.start("dstack4j-relay-tunnel", 8, timeout, timeout, 16 * 1024, connector);
        c.getProxyConfiguration().addProxy(new TunnelProxy(relaySocket.toAbsolutePath()));
        this.http = c;
    }

    /**
     * A JSON-RPC client whose calls run through this tunnel; closing it leaves the tunnel open (close the tunnel).
     *
     * @param endpoint an http(s) URL from the node's pin
     */
    public JsonRpcClient rpc(URI endpoint) {
        RpcTransport.requireHttp(endpoint);
        return new JsonRpcClient(new Tunnelled(endpoint, RpcTransport.redact(endpoint) + " (through the relay)"));
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception ignored) {
            // best effort
        }
    }

    private static KeyStore keyStore(List<X509Certificate> certs) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < certs.size(); i++) ks.setCertificateEntry("rpc-ca-" + i, certs.get(i));
            return ks;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the pinned CA trust store: " + e.getMessage(), e);
        }
    }

    /** One endpoint's calls. */
    private final class Tunnelled implements RpcTransport {
        private final URI endpoint;
        private final String redacted;

        Tunnelled(URI endpoint, String redacted) {
            this.endpoint = endpoint;
            this.redacted = redacted;
        }

        @Override
        public byte[] post(String method, byte[] body) throws RpcException {
            long end = System.nanoTime() + timeout.toNanos();
            for (int attempt = 1; ; attempt++) {
                try {
                    return once(method, body, Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime())));
                } catch (UnsentInFreshTunnel e) {
                    // Jetty 12.1's HttpProxy hands a fresh tunnel to the request as soon as the relay's 200 arrives, which
                    // can be before its own CONNECT write has left the WRITING state: the request's first write then
                    // fails with WritePendingException, having sent nothing. Sending it again is safe; a few tries cover it.
                    if (attempt >= MAX_ATTEMPTS || System.nanoTime() >= end) {
                        throw new RpcException(new RpcError.Transport(redacted, method, "WritePendingException"), e.getCause());
                    }
                }
            }
        }

        private byte[] once(String method, byte[] body, Duration left) throws RpcException, UnsentInFreshTunnel {
            var req = http.newRequest(endpoint).method("POST").timeout(left.toMillis(), TimeUnit.MILLISECONDS)
                    .body(new BytesRequestContent("application/json", body));
            ContentResponse resp;
            try {
                resp = new CompletableResponseListener(req, (int) maxResponse).send().get(left.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                req.abort(e);
                throw new RpcException(new RpcError.Timeout(redacted, method, timeout));
            } catch (InterruptedException e) {
                req.abort(e);
                Thread.currentThread().interrupt();
                throw new RpcException(new RpcError.Transport(redacted, method, "interrupted"), e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                if (c instanceof WritePendingException) throw new UnsentInFreshTunnel(c);
                if (c instanceof TimeoutException) throw new RpcException(new RpcError.Timeout(redacted, method, timeout));
                if (c instanceof IllegalArgumentException && String.valueOf(c.getMessage()).contains("capacity")) {
                    throw new RpcException(new RpcError.TooLarge(redacted, method, maxResponse));
                }
                throw new RpcException(new RpcError.Transport(redacted, method, c.getClass().getSimpleName()
                        + (c.getMessage() == null ? "" : ": " + c.getMessage())), c);
            }
            if (resp.getStatus() != 200) throw new RpcException(new RpcError.HttpStatus(redacted, method, resp.getStatus()));
            return resp.getContent();
        }

        @Override
        public String endpoint() {
            return redacted;
        }

        @Override
        public void close() {
            // the tunnel's HTTP client is shared by every endpoint; RelayTunnel.close() releases it
        }
    }

    /** A request whose first write failed in a tunnel just opened: nothing of it was sent. */
    private static final class UnsentInFreshTunnel extends Exception {
        UnsentInFreshTunnel(Throwable cause) {
            super(cause);
        }
    }

    /** The relay as an HTTP proxy reached over its unix socket, always tunnelling (CONNECT), never forwarding. */
    private static final class TunnelProxy extends HttpProxy {
        TunnelProxy(Path socket) {
            super(new Origin("http", new Origin.Address("relay.invalid", 1), null, new Origin.Protocol(List.of("http/1.1"), false),
                    new Transport.TCPUnix(socket)), null);
        }

        @Override
        public boolean requiresTunnel(Origin serverOrigin) {
            // a forwarded plain-http request would let the relay answer in the endpoint's name without any tunnel
            return true;
        }
    }
}
