package org.dstack4j.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One load run.
 *
 * @param socket      unix socket of the server
 * @param method      HTTP method, e.g. {@code POST}
 * @param path        request target, e.g. {@code /GetKey}
 * @param body        request body (JSON), empty for none
 * @param connections concurrent keep-alive connections, one client thread each
 * @param warmup      time before measuring (requests made then are not counted)
 * @param duration    measured time
 * @param label       name printed with the result
 * @param baselineRps throughput to compare with (printed as a ratio), if any
 * @param maxRequests stop after this many requests (warm-up included), for state-growing methods
 *                    such as EmitEvent whose log is capped; {@code Long.MAX_VALUE} for no limit
 */
record LoadSpec(Path socket, String method, String path, String body, int connections, Duration warmup,
        Duration duration, String label, Optional<Double> baselineRps, long maxRequests) {

    LoadSpec {
        if (connections < 1 || connections > 1024) {
            throw new IllegalArgumentException("--connections must be 1..1024, got " + connections);
        }
        if (maxRequests < 1) {
            throw new IllegalArgumentException("--max-requests must be positive");
        }
        if (duration.isZero() || duration.isNegative() || warmup.isNegative()) {
            throw new IllegalArgumentException("--duration must be positive and --warmup not negative");
        }
    }

    /** The request as bytes: HTTP/1.1, keep-alive, {@code Host: dstack}. */
    byte[] request() {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: dstack\r\n"
                + (b.length > 0 || method.equals("POST")
                        ? "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n" : "")
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + b.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(b, 0, out, h.length, b.length);
        return out;
    }
}
