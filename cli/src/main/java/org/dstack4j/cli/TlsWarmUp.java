package org.dstack4j.cli;

import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;

/**
 * Initialises the JDK's default TLS context on a background thread while a launch plans (reads its
 * config, selects the digest). The registry check's HTTP client needs it even for a plain-http
 * registry, and building it (providers, the CA store) is one of the costliest parts of a launch's
 * start-up; nothing is contacted, and the launch uses exactly the context it would have built itself.
 */
final class TlsWarmUp {
    private TlsWarmUp() {}

    static void start() {
        Thread t = new Thread(() -> {
            try {
                SSLContext.getDefault();
            } catch (NoSuchAlgorithmException | RuntimeException e) {
                // the registry check builds it again and reports the failure where it matters
            }
        }, "dstack4j-tls-warm-up");
        t.setDaemon(true);
        t.start();
    }
}
