package org.dstack4j.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.dstack4j.agent.api.GuestApiException;
import org.dstack4j.dashboard.logs.DockerApi;
import org.dstack4j.dashboard.logs.LogFormat;
import org.dstack4j.dashboard.logs.LogQuery;
import org.dstack4j.dashboard.status.Page;
import org.dstack4j.dashboard.status.Status;
import org.dstack4j.dashboard.system.Metrics;
import org.dstack4j.dashboard.system.SystemInfo;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The dashboard's routes, all {@code GET} (or {@code HEAD}); none changes state:
 * {@code /} (HTML; {@code /?verify} first re-runs the self-verification, rate-limited), {@code /status.json},
 * {@code /metrics} (only with {@code public_sysinfo}), {@code /logs/<container>} (only with {@code public_logs},
 * streamed, at most {@value #MAX_LOG_STREAMS} at once). A route its flag disables answers 404 as if absent, as
 * dstack's agent does. Refused input answers 4xx with one plain-text line.
 */
final class DashboardHandler extends Handler.Abstract {
    /** Most log streams served at once; more answer 503 (each holds one of the Worker listener's 16 threads). */
    static final int MAX_LOG_STREAMS = 4;
    /**
     * Most page renders ({@code /}, {@code /status.json}) at once; more answer 503. A render may wait for the
     * self-verification (a quote and the PCCS), and the listener's threads also serve the Worker API.
     */
    static final int MAX_PAGE_RENDERS = 4;

    private static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private final Flags flags;
    private final Status status;
    private final Optional<DockerApi> docker;
    private final Duration followIdle;
    private final Clock clock;
    private final Semaphore streams = new Semaphore(MAX_LOG_STREAMS);
    private final Semaphore renders = new Semaphore(MAX_PAGE_RENDERS);

    DashboardHandler(Flags flags, Status status, Optional<DockerApi> docker, Duration followIdle, Clock clock) {
        this.flags = flags;
        this.status = status;
        this.docker = docker;
        this.followIdle = followIdle;
        this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        headers(response);
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            text(response, callback, 405, "only GET and HEAD are served here; nothing on this listener changes state\n");
            return true;
        }
        String path = request.getHttpURI().getDecodedPath();
        if (path == null) path = "/";
        Map<String, String> query;
        try {
            query = query(request);
        } catch (RuntimeException badEncoding) {
            text(response, callback, 400, "the query string is not valid UTF-8 percent-encoding\n");
            return true;
        }
        try {
            if (path.equals("/") || path.equals("/status.json")) {
                if (!renders.tryAcquire()) {
                    text(response, callback, 503, "too many page requests at once (at most " + MAX_PAGE_RENDERS + "); try again later\n");
                    return true;
                }
                try {
                    ObjectNode s = status.build(query.containsKey("verify"));
                    if (path.equals("/")) send(response, callback, 200, "text/html; charset=utf-8", Page.render(s));
                    else send(response, callback, 200, "application/json", s.toPrettyString() + "\n");
                } finally {
                    renders.release();
                }
            } else if (path.equals("/metrics") && flags.publicSysinfo()) {
                send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", Metrics.render(SystemInfo.read()));
            } else if (path.startsWith("/logs/") && flags.publicLogs()) {
                logs(request, response, callback, path.substring("/logs/".length()), query);
            } else {
                text(response, callback, 404, "404 Not Found\n");
            }
        } catch (BadRequest e) {
            text(response, callback, e.status(), e.getMessage() + "\n");
        } catch (GuestApiException e) {
            text(response, callback, 500, "the agent cannot answer: " + e.getMessage() + "\n");
        } catch (RuntimeException e) {
            // a bug must not show a stack or Jetty's error page; the message names the class only
            text(response, callback, 500, "internal error (" + e.getClass().getSimpleName() + ")\n");
        }
        return true;
    }

    private void logs(Request request, Response response, Callback callback, String name, Map<String, String> query)
            throws BadRequest {
        LogQuery q = LogQuery.parse(name, query, clock.instant());
        if (docker.isEmpty()) throw new BadRequest(404, "no container engine is configured for logs");
        // the stream slot first: a refused request costs no engine call
        if (!streams.tryAcquire()) {
            text(response, callback, 503, "too many log streams are open (at most " + MAX_LOG_STREAMS + "); try again later\n");
            return;
        }
        try {
            boolean tty;
            try {
                tty = docker.get().tty(q.container()).orElseThrow(() -> new BadRequest(404, "no container named " + q.container()));
            } catch (IOException e) {
                text(response, callback, 502, "the container engine cannot be asked: " + e.getMessage() + "\n");
                return;
            }
            if (q.follow()) {
                // a quiet container must not be cut off by the listener's idle timeout; the connection closes after
                // the stream (Connection: close below), so the long timeout never outlives it on a kept-alive socket
                request.getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(followIdle.toMillis());
            }
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            OutputStream out = Content.Sink.asOutputStream(response);
            try {
                docker.get().logs(q, tty, (channel, message) -> {
                    out.write(LogFormat.format(channel, message, q).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                });
            } catch (DockerApi.StreamFailed e) {
                // the response has started: say why it ends in the stream itself, as dstack does
                out.write(("\n" + com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("error", e.getMessage()) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            out.close();
            callback.succeeded();
        } catch (IOException clientGone) {
            callback.failed(clientGone);
        } finally {
            streams.release();
        }
    }

    private static Map<String, String> query(Request request) {
        Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        Map<String, String> out = new HashMap<>();
        for (Fields.Field f : fields) out.put(f.getName(), f.getValue() == null ? "" : f.getValue());
        return out;
    }

    private static void headers(Response response) {
        var h = response.getHeaders();
        h.put("Content-Security-Policy", CSP);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
    }

    private static void text(Response response, Callback callback, int status, String body) {
        send(response, callback, status, "text/plain; charset=utf-8", body);
    }

    private static void send(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
