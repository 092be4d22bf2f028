package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import org.dstack4j.tls.testing.TestCa;
import org.junit.jupiter.api.Test;

/** A renewed chain replaces the served one for new handshakes, without a restart; a chain for another key is refused. */
class TlsServerTest {
    @Test
    void aRenewedChainIsServedToTheNextHandshakeAndAnotherKeysIsRefused() throws Exception {
        TestCa ca = TestCa.create("dstack4j test renewal CA");
        KeyPair key = TestCa.p256();
        X509Certificate first = ca.leaf(key.getPublic(), "a.cluster.test");
        X509Certificate renewed = ca.leaf(key.getPublic(), "a.cluster.test");
        try (TlsServer s = TlsServer.start(new InetSocketAddress("127.0.0.1", 0), key, new CertificateCheck.Accepted(List.of(first)),
                new byte[] {1}, AppProxy.none())) {
            assertThat(served(s)).isEqualTo(first);
            s.replace(new CertificateCheck.Accepted(List.of(renewed)));
            assertThat(served(s)).isEqualTo(renewed);
            X509Certificate other = ca.leaf(TestCa.p256().getPublic(), "a.cluster.test");
            assertThatThrownBy(() -> s.replace(new CertificateCheck.Accepted(List.of(other))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another key");
            assertThat(served(s)).isEqualTo(renewed);
        }
    }

    /** The leaf the server presents in a fresh handshake. */
    private static X509Certificate served(TlsServer s) throws Exception {
        X509Certificate[][] seen = new X509Certificate[1][];
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {
                seen[0] = c;
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", s.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
        }
        return seen[0][0];
    }
}
