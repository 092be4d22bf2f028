package org.dstack4j.agent.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.api.GuestApiException;
import org.dstack4j.agent.api.Params;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * HTTP framing of the guest APIs: {@code POST <path>} with a JSON object body (an empty body is
 * {@code {}}; strict UTF-8 and strict JSON, see {@link RequestJson}) or {@code GET <path>?field=value}, where
 * {@link Routes} turns the path into a surface and method; JSON responses; errors as
 * {@code {"error":"…"}} with 400 (bad input), 404 ({@code Service not found: <Method>}), 405 (other HTTP
 * methods), 408 (body not received within the deadline), 413 (body over the cap) or 500. A path where no
 * surface is mounted gets a plain-text 404.
 *
 * <p>Non-blocking: the body is read without blocking, and methods that only compute for a short
 * while ({@link #INLINE_METHODS}) answer on the I/O thread that parsed the request, which saves
 * two thread hand-offs per request. Methods that take the backend's lock or do I/O (GetQuote,
 * EmitEvent, Info, GetTlsKey's key generation) run on the worker pool, so a slow quote or fsync
 * never stalls other connections.
 */
final class GuestApiHandler extends Handler.Abstract.NonBlocking {
    /** CPU-only methods without locks or I/O when the keys are in memory, answered on the I/O thread. */
    static final Set<String> INLINE_METHODS = Set.of("Version", "GetKey", "Sign", "Verify", "DeriveK256Key");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GuestApi api;
    private final Routes routes;
    private final int maxBodyBytes;
    private final Duration bodyDeadline;
    private final Executor workers;

    GuestApiHandler(GuestApi api, Routes routes, int maxBodyBytes, Duration bodyDeadline, Executor workers) {
        this.api = api;
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyDeadline = bodyDeadline;
        this.workers = workers;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        Routes.Route method = routes.route(path == null ? "/" : path);
        if (method == null) {
            // no surface is mounted here: a plain 404, never the JSON "Service not found" of a mounted one
            response.setStatus(404);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            response.write(true, ByteBuffer.wrap("404 Not Found\n".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
        switch (request.getMethod()) {
            case "POST" -> {
                if (request.getLength() > maxBodyBytes) {
                    send(response, callback, GuestApiException.tooLarge(tooLarge()));
                } else {
                    BodyReader reader = new BodyReader(request, response, callback, method);
                    // a body trickled byte by byte would otherwise hold the request for ever
                    reader.deadline = request.getComponents().getScheduler().schedule(reader::expire,
                            bodyDeadline.toMillis(), TimeUnit.MILLISECONDS);
                    reader.run();
                }
            }
            case "GET" -> {
                ObjectNode query;
                try {
                    query = queryFields(request);
                } catch (RuntimeException badEncoding) {
                    // Jetty refuses malformed UTF-8 in %-escapes; answer in the API's error shape
                    send(response, callback, GuestApiException.badRequest(
                            "query string is not valid UTF-8 percent-encoding"));
                    return true;
                }
                dispatch(method, query, response, callback);
            }
            default -> {
                response.getHeaders().put(HttpHeader.ALLOW, HttpMethod.GET + ", " + HttpMethod.POST);
                send(response, callback, 405,
                        error("HTTP method " + request.getMethod() + " is not supported; use POST or GET"));
            }
        }
        return true;
    }

    /** Runs the method here when it is short and lock-free, else on a worker. */
    private void dispatch(Routes.Route method, ObjectNode params, Response response, Callback callback) {
        Runnable call = () -> {
            try {
                send(response, callback, 200, api.call(method.surface(), method.method(), new Params(params)));
            } catch (GuestApiException e) {
                send(response, callback, e);
            } catch (RuntimeException e) {
                send(response, callback, 500, error("internal error: " + e.getClass().getSimpleName()));
            }
        };
        // in cluster mode the key methods may wait for the node (I/O), so they go to the workers like the rest
        if (INLINE_METHODS.contains(method.method()) && api.keysInMemory()) {
            call.run();
            return;
        }
        try {
            workers.execute(call);
        } catch (RejectedExecutionException e) {
            send(response, callback, 500, error("agent is stopping or overloaded"));
        }
    }

    /**
     * Reads the body chunk by chunk as it arrives, capped at {@code maxBodyBytes} and {@code bodyDeadline},
     * then dispatches.
     */
    private final class BodyReader implements Runnable {
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Scheduler.Task deadline;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Routes.Route method;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream(256);

        BodyReader(Request request, Response response, Callback callback, Routes.Route method) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.method = method;
        }

        /** True for the one caller that ends this body read; cancels the deadline. */
        private boolean finish() {
            if (!finished.compareAndSet(false, true)) {
                return false;
            }
            Scheduler.Task task = deadline;
            if (task != null) {
                task.cancel();
            }
            return true;
        }

        /** Answers 408 unless the body was read (or refused) already; Jetty then closes the connection. */
        void expire() {
            if (finish()) {
                send(response, callback, 408, error("request body not received within " + bodyDeadline.toSeconds()
                        + " s"));
            }
        }

        @Override
        public void run() {
            while (true) {
                if (finished.get()) {
                    return;
                }
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (!finish()) return;
                    send(response, callback, GuestApiException.badRequest("cannot read request body: "
                            + chunk.getFailure().getMessage()));
                    return;
                }
                ByteBuffer buf = chunk.getByteBuffer();
                int n = buf.remaining();
                if (body.size() + n > maxBodyBytes) {
                    chunk.release();
                    if (!finish()) return;
                    send(response, callback, GuestApiException.tooLarge(tooLarge()));
                    return;
                }
                byte[] bytes = new byte[n];
                buf.get(bytes);
                body.writeBytes(bytes);
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    if (!finish()) return;
                    ObjectNode params;
                    try {
                        params = RequestJson.parseBody(body.toByteArray());
                    } catch (GuestApiException e) {
                        send(response, callback, e);
                        return;
                    }
                    dispatch(method, params, response, callback);
                    return;
                }
            }
        }
    }

    private String tooLarge() {
        return "request body is larger than " + maxBodyBytes + " bytes";
    }

    private static ObjectNode queryFields(Request request) {
        ObjectNode out = RequestJson.emptyObject();
        Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        for (Fields.Field f : fields) {
            out.put(f.getName(), f.getValue());
        }
        return out;
    }

    private static void send(Response response, Callback callback, GuestApiException e) {
        send(response, callback, e.status(), error(e.getMessage()));
    }

    private static void send(Response response, Callback callback, int status, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            status = 500;
            bytes = "{\"error\":\"serializing the response failed\"}".getBytes(StandardCharsets.UTF_8);
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    private static ObjectNode error(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", message);
        return n;
    }
}
