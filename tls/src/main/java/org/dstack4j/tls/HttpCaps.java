package org.dstack4j.tls;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.concurrent.Semaphore;

/**
 * Caps on the JDK {@code HttpServer}s this module runs on ports the host (and the internet) can reach: the HTTPS
 * site and the HTTP-01 responder. The JDK reads its caps from system properties once per JVM, when its first server
 * starts, so {@link #apply()} sets them (unless the operator set them) before any server of this module starts:
 * a request's head and body must arrive within {@value #MAX_REQUEST_SECONDS} s and its response be sent within
 * {@value #MAX_RESPONSE_SECONDS} s (a slow client is disconnected, not waited for), at most {@value #MAX_CONNECTIONS}
 * open connections per server, at most 64 request headers of 16 KiB in all. {@link #inFlight(int)} bounds the
 * exchanges being handled at once (503 beyond).
 */
public final class HttpCaps {
    /** Seconds a request (head and body) may take to arrive. */
    public static final long MAX_REQUEST_SECONDS = 30;
    /** Seconds a response may take to be sent. */
    public static final long MAX_RESPONSE_SECONDS = 120;
    /** Open connections per server. */
    public static final int MAX_CONNECTIONS = 512;

    private HttpCaps() {}

    /** Sets the JDK server's caps unless already set; call before the JVM's first {@code HttpServer} starts. */
    public static synchronized void apply() {
        setIfAbsent("sun.net.httpserver.maxReqTime", String.valueOf(MAX_REQUEST_SECONDS));
        setIfAbsent("sun.net.httpserver.maxRspTime", String.valueOf(MAX_RESPONSE_SECONDS));
        setIfAbsent("jdk.httpserver.maxConnections", String.valueOf(MAX_CONNECTIONS));
        setIfAbsent("sun.net.httpserver.maxReqHeaders", "64");
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", String.valueOf(16 * 1024));
        setIfAbsent("sun.net.httpserver.maxIdleConnections", "64");
        setIfAbsent("sun.net.httpserver.idleInterval", "30");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** A filter that lets at most {@code max} exchanges be handled at once; the others get 503 at once. */
    public static Filter inFlight(int max) {
        Semaphore slots = new Semaphore(max);
        return new Filter() {
            @Override
            public void doFilter(HttpExchange ex, Chain chain) throws IOException {
                if (!slots.tryAcquire()) {
                    try (ex) {
                        ex.getResponseHeaders().set("Retry-After", "1");
                        ex.sendResponseHeaders(503, -1);
                    }
                    return;
                }
                try {
                    chain.doFilter(ex);
                } finally {
                    slots.release();
                }
            }

            @Override
            public String description() {
                return "at most " + max + " exchanges at once";
            }
        };
    }
}
