package org.dstack4j.tls;

import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.AbstractAcmeProvider;

/**
 * An ACME server's directory URL and whom its HTTPS endpoint is trusted by: the JDK's default trust store
 * ({@code serverTrust} empty; Let's Encrypt) or exactly the given certificates (pebble's throw-away server
 * certificate in tests). Every request has {@code timeout} as connect and response deadline.
 *
 * @param directory   e.g. {@code https://acme-v02.api.letsencrypt.org/directory}
 * @param serverTrust roots the ACME server's own TLS certificate must chain to; empty = the JDK's defaults
 * @param timeout     per request
 */
public record AcmeDirectory(URI directory, List<X509Certificate> serverTrust, Duration timeout) {
    public AcmeDirectory {
        if (!"https".equals(directory.getScheme())) throw new IllegalArgumentException("an ACME directory is an https URL, got " + directory);
        serverTrust = List.copyOf(serverTrust);
    }

    /** The acme4j provider for this directory. */
    Provider provider() {
        return new Provider();
    }

    /** acme4j's generic provider with this record's trust and deadline. */
    final class Provider extends AbstractAcmeProvider {
        @Override
        public boolean accepts(URI serverUri) {
            return serverUri.equals(directory);
        }

        @Override
        public URL resolve(URI serverUri) {
            try {
                return serverUri.toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("ACME directory " + serverUri + ": " + e.getMessage(), e);
            }
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings settings) {
            settings.setTimeout(timeout);
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL);
            if (!serverTrust.isEmpty()) b.sslContext(trusting(serverTrust));
            return b.build();
        }
    }

    /** A TLS client context that trusts exactly {@code roots}. */
    static SSLContext trusting(List<X509Certificate> roots) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < roots.size(); i++) ks.setCertificateEntry("root" + i, roots.get(i));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
