package org.dstack4j.sdk;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Client for the dstack guest agent API (docs/guest-api.md) over a unix socket or http(s).
 * Each method {@code M} is a {@code POST /M} with a JSON body over HTTP/1.1 ({@code Host: dstack} on the
 * unix socket; over http(s) the URL's host).
 *
 * <p>Every call is bounded: it fails with {@link DstackException.Timeout} when no complete response
 * arrives within the client's timeout (default {@value #DEFAULT_TIMEOUT_SECONDS} s, covering connect,
 * request and response) and with {@link DstackException.ResponseTooLarge} when the body exceeds the
 * cap (default {@value #DEFAULT_MAX_RESPONSE_BYTES} bytes). Calls never retry. The client is
 * thread-safe; close it to release its threads.
 *
 * {@snippet :
 * try (DstackClient dstack = DstackClient.discover()) {          // DSTACK_SIMULATOR_ENDPOINT or /var/run/dstack.sock …
 *     byte[] reportData = MessageDigest.getInstance("SHA-256").digest(myPublicKey);
 *     GetQuoteResponse q = dstack.getQuote(reportData);        // ≤ 64 bytes
 *     dstack.emitEvent("my-config-hash", configHash);          // extends RTMR3
 *     System.out.println(dstack.info().tcbInfo().rtmr3());
 * }
 *
 * DstackClient custom = DstackClient.builder()
 *         .endpoint("/run/dstack.sock")
 *         .timeout(Duration.ofSeconds(5))
 *         .build();
 * }
 */
public final class DstackClient implements AutoCloseable {

    /** Default per-call timeout in seconds. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;
    /** Default per-call timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
    /** Default cap on a response body, in bytes (8 MiB; a quote with its event log is ~100 KiB). */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
    /** Report data is at most 64 bytes; the agent zero-pads shorter values. */
    public static final int MAX_REPORT_DATA_BYTES = 64;

    // the Host header value the official SDKs send over the socket
    private static final String SOCKET_BASE = "http://dstack/";
    // extra wait beyond Jetty's own total timeout, so Jetty reports the timeout before we stop waiting
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final DstackEndpoint endpoint;
    private final Duration timeout;
    private final int maxResponseBytes;
    private final HttpClient http;

    private DstackClient(Builder b) {
        this.endpoint = b.endpoint;
        this.timeout = b.timeout;
        this.maxResponseBytes = b.maxResponseBytes;
        QueuedThreadPool pool = new QueuedThreadPool(8, 1);
        pool.setName("dstack-client");
        pool.setDaemon(true); // a forgotten close() must not keep the JVM alive
        HttpClient client = new HttpClient();
        client.setExecutor(pool);
        client.setScheduler(new ScheduledExecutorScheduler("dstack-client-scheduler", true));
        client.setConnectTimeout(timeout.toMillis());
        client.setIdleTimeout(timeout.toMillis());
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(4);
        client.setMaxRequestsQueuedPerDestination(64);
        client.setUserAgentField(new org.eclipse.jetty.http.HttpField(HttpHeader.USER_AGENT, "dstack4j-sdk"));
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client for " + endpoint.describe(), e);
        }
        this.http = client;
    }

    /** A builder; {@link Builder#endpoint(DstackEndpoint)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A client for the agent found by {@link DstackEndpoint#discover()}, with default timeout and cap.
     *
     * @throws DstackException.NoEndpoint when neither the variable nor any standard socket exists
     */
    public static DstackClient discover() throws DstackException.NoEndpoint {
        return builder().endpoint(DstackEndpoint.discover()).build();
    }

    /** The endpoint this client calls. */
    public DstackEndpoint endpoint() {
        return endpoint;
    }

    /** The per-call timeout. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * {@code GetQuote}: a TDX quote binding {@code reportData}.
     *
     * @param reportData at most 64 bytes (the agent zero-pads to 64)
     * @throws IllegalArgumentException if {@code reportData} is longer than 64 bytes (checked before any I/O)
     * @return quote, event log, report data and VM config
     * @throws DstackException          if the call fails or the answer lacks {@code quote} or is malformed
     */
    public GetQuoteResponse getQuote(byte[] reportData) throws DstackException {
        Objects.requireNonNull(reportData, "reportData");
        if (reportData.length > MAX_REPORT_DATA_BYTES) {
            throw new IllegalArgumentException("report data is " + reportData.length
                    + " bytes; at most 64 are allowed (hash longer data first, e.g. SHA-512)");
        }
        ObjectNode req = Json.MAPPER.createObjectNode().put("report_data", Hex.encode(reportData));
        return read("GetQuote", req, f -> new GetQuoteResponse(f.requiredHex("quote"), eventLog(f).entries(),
                f.hex("report_data"), f.string("vm_config")));
    }

    /** The {@code event_log} field: a JSON string holding the event array (empty means none). */
    static EventLog eventLog(Fields f) throws Fields.Malformed {
        try {
            return EventLog.parse(f.string("event_log").isEmpty() ? "[]" : f.string("event_log"));
        } catch (EventLogFormatException e) {
            throw new Fields.Malformed("event_log: " + e.getMessage(), e);
        }
    }

    /**
     * {@code Attest} (dstack 0.5.11): dstack's versioned attestation document over {@code reportData};
     * our agent answers in the SCALE form, as dstack does on TDX.
     *
     * {@snippet :
     * AttestResponse a = dstack.attest(sha256(myPublicKey));
     * VersionedAttestation doc = a.decode();         // quote, event log, report data, vm config
     * Files.write(Path.of("attest.bin"), a.attestation()); // dstack4j verify --attestation attest.bin …
     * }
     *
     * @param reportData at most 64 bytes (the agent zero-pads to 64)
     * @throws IllegalArgumentException if {@code reportData} is longer than 64 bytes (checked before any I/O)
     * @throws DstackException          if the call fails or the answer lacks {@code attestation}
     */
    public AttestResponse attest(byte[] reportData) throws DstackException {
        return attest("Attest", reportData);
    }

    AttestResponse attest(String path, byte[] reportData) throws DstackException {
        checkReportData(reportData);
        ObjectNode req = Json.MAPPER.createObjectNode().put("report_data", Hex.encode(reportData));
        return read(path, req, f -> new AttestResponse(f.requiredHex("attestation")));
    }

    static void checkReportData(byte[] reportData) {
        Objects.requireNonNull(reportData, "reportData");
        if (reportData.length > MAX_REPORT_DATA_BYTES) {
            throw new IllegalArgumentException("report data is " + reportData.length
                    + " bytes; at most 64 are allowed (hash longer data first, e.g. SHA-512)");
        }
    }

    /**
     * The dstack 0.6 {@code /v1} API of the same agent, over this client's connection (closing either
     * closes both). What the official SDKs call {@code DstackClient} (their v0 client being
     * {@code DstackClientV0}); here the unsuffixed client stays the v0 one, so existing code keeps its keys.
     */
    public DstackClientV1 v1() {
        return new DstackClientV1(this);
    }

    /**
     * {@code EmitEvent}: extends RTMR3 with the runtime event {@code event} and appends it to the event log.
     *
     * @param event   the event name (UTF-8; part of the measured digest)
     * @param payload the event payload bytes (sent as hex)
     * @throws DstackException if the agent refuses (e.g. the official simulator) or the call fails
     */
    public void emitEvent(String event, byte[] payload) throws DstackException {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(payload, "payload");
        ObjectNode req = Json.MAPPER.createObjectNode().put("event", event).put("payload", Hex.encode(payload));
        read("EmitEvent", req, f -> null);
    }

    /**
     * {@code Info}: identity, configuration and measurements of this CVM. Unknown fields are ignored,
     * missing ones read as empty.
     *
     * @return the CVM's identity and measurements
     * @throws DstackException if the call fails, or {@code tcb_info} is not valid JSON text
     */
    public InfoResponse info() throws DstackException {
        return info("Info");
    }

    InfoResponse info(String path) throws DstackException {
        return read(path, Json.MAPPER.createObjectNode(), f -> new InfoResponse(
                f.string("app_id"), f.string("instance_id"), f.string("app_cert"), tcbInfo(f),
                f.string("app_name"), f.string("device_id"), f.string("mr_aggregated"), f.string("os_image_hash"),
                f.string("key_provider_info"), f.string("compose_hash"), f.string("vm_config"),
                f.string("cloud_vendor"), f.string("cloud_product")));
    }

    private static TcbInfo tcbInfo(Fields f) throws Fields.Malformed {
        JsonNode node = f.embeddedJson("tcb_info");
        if (node == null) return TcbInfo.EMPTY;
        Fields t = Fields.of(node, "tcb_info");
        EventLog log;
        JsonNode events = t.raw("event_log");
        try {
            log = events == null || events.isNull() ? EventLog.of(List.of()) : EventLog.fromJson(events);
        } catch (EventLogFormatException e) {
            throw new Fields.Malformed("tcb_info.event_log: " + e.getMessage(), e);
        }
        return new TcbInfo(t.string("mrtd"), t.string("rtmr0"), t.string("rtmr1"), t.string("rtmr2"),
                t.string("rtmr3"), t.string("mr_aggregated"), t.string("os_image_hash"), t.string("compose_hash"),
                t.string("device_id"), t.string("app_compose"), log.entries());
    }

    /**
     * {@code Version}: the agent's version and source revision.
     *
     * @return version and revision
     * @throws DstackException if the call fails or the answer lacks {@code version}
     */
    public VersionResponse version() throws DstackException {
        return read("Version", Json.MAPPER.createObjectNode(),
                f -> new VersionResponse(f.requiredString("version"), f.string("rev")));
    }

    /**
     * Whether an agent answers at the endpoint: true when {@code Version} returns any HTTP response
     * (older agents answer it with an error status, which still proves they are there). Never throws.
     */
    public boolean isReachable() {
        try {
            version();
            return true;
        } catch (DstackException.ErrorStatus answered) {
            return true;
        } catch (DstackException e) { // includes Interrupted, which has already restored the interrupt flag
            return false;
        }
    }

    /**
     * {@code GetKey}: a key derived from the app key for {@code path}, with its signature chain.
     *
     * @param path      derivation path (any string; the HKDF info)
     * @param purpose   purpose string signed into the chain
     * @param algorithm {@code secp256k1} (default when null), {@code k256} or {@code ed25519}
     * @return the 32-byte key and the signature chain; {@link GetKeyResponse#toString()} hides the key
     * @throws DstackException if the call fails or the answer lacks {@code key}
     */
    public GetKeyResponse getKey(String path, String purpose, String algorithm) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("path", Objects.requireNonNull(path, "path"))
                .put("purpose", purpose == null ? "" : purpose)
                .put("algorithm", algorithm == null ? "secp256k1" : algorithm);
        return read("GetKey", req, f -> new GetKeyResponse(f.requiredHex("key"), f.hexList("signature_chain")));
    }

    /**
     * {@code GetTlsKey}: a fresh TLS key and a certificate chain issued by the app CA.
     *
     * @param request subject, alt names, usages and validity
     * @return the PEM PKCS#8 key and PEM certificates; {@link GetTlsKeyResponse#toString()} hides the key
     * @throws DstackException if the call fails or the answer lacks {@code key}
     */
    public GetTlsKeyResponse getTlsKey(TlsKeyRequest request) throws DstackException {
        return tlsKey("GetTlsKey", request);
    }

    GetTlsKeyResponse tlsKey(String path, TlsKeyRequest request) throws DstackException {
        Objects.requireNonNull(request, "request");
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("subject", request.subject())
                .put("usage_ra_tls", request.usageRaTls())
                .put("usage_server_auth", request.usageServerAuth())
                .put("usage_client_auth", request.usageClientAuth())
                .put("with_app_info", request.withAppInfo());
        request.altNames().forEach(req.putArray("alt_names")::add);
        request.notBefore().ifPresent(v -> req.put("not_before", v));
        request.notAfter().ifPresent(v -> req.put("not_after", v));
        return read(path, req,
                f -> new GetTlsKeyResponse(f.requiredString("key"), f.strings("certificate_chain")));
    }

    /**
     * {@code Sign}: signs {@code data} with the app-derived key.
     *
     * @param algorithm {@code ed25519}, {@code secp256k1} or {@code secp256k1_prehashed} (data = 32-byte hash)
     * @param data      the bytes to sign
     * @return signature, signature chain and public key
     * @throws DstackException if the call fails or the answer lacks {@code signature}
     */
    public SignResponse sign(String algorithm, byte[] data) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("algorithm", Objects.requireNonNull(algorithm, "algorithm"))
                .put("data", Hex.encode(Objects.requireNonNull(data, "data")));
        return read("Sign", req, f -> new SignResponse(f.requiredHex("signature"), f.hexList("signature_chain"),
                f.hex("public_key")));
    }

    /**
     * {@code Verify}: asks the agent whether {@code signature} over {@code data} verifies under {@code publicKey}.
     *
     * @param algorithm as for {@link #sign(String, byte[])}
     * @param data      the signed bytes
     * @param signature the signature bytes
     * @param publicKey the public key bytes
     * @return the agent's {@code valid} answer
     * @throws DstackException if the call fails or {@code valid} is not a boolean
     */
    public boolean verify(String algorithm, byte[] data, byte[] signature, byte[] publicKey) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("algorithm", Objects.requireNonNull(algorithm, "algorithm"))
                .put("data", Hex.encode(data))
                .put("signature", Hex.encode(signature))
                .put("public_key", Hex.encode(publicKey));
        return read("Verify", req, f -> f.requiredBool("valid"));
    }

    /** Stops the HTTP client and its threads. Idempotent. */
    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // nothing useful to do: the threads are daemons and the client is unusable either way
        }
    }

    @Override
    public String toString() {
        return "DstackClient[" + endpoint.describe() + ", timeout=" + timeout + "]";
    }

    @FunctionalInterface
    interface Reader<T> {
        T read(Fields f) throws Fields.Malformed;
    }

    /**
     * One call at {@code path} (a method name, or e.g. {@code v1/GetKey}, {@code prpc/Tappd.TdxQuote});
     * for the other clients of this package, which share this transport.
     */
    <T> T read(String method, ObjectNode body, Reader<T> reader) throws DstackException {
        JsonNode json = call(method, body);
        try {
            return reader.read(Fields.of(json, method));
        } catch (Fields.Malformed e) {
            throw new DstackException.MalformedResponse(endpoint, method, e.getMessage(), e);
        }
    }

    /** One POST; returns the parsed JSON of a 200 answer (an empty body reads as {@code {}}). */
    private JsonNode call(String method, ObjectNode body) throws DstackException {
        Request req = newRequest(method)
                .method(HttpMethod.POST)
                .version(HttpVersion.HTTP_1_1)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .idleTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> h.put(HttpHeader.ACCEPT, "application/json"))
                .body(new StringRequestContent("application/json", body.toString(), StandardCharsets.UTF_8));
        BoundedResponseListener listener = new BoundedResponseListener(maxResponseBytes);
        req.send(listener);
        BoundedResponseListener.Outcome outcome;
        try {
            outcome = listener.outcome().get(timeout.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            req.abort(e);
            Thread.currentThread().interrupt();
            throw new DstackException.Interrupted(endpoint, method, e);
        } catch (TimeoutException e) {
            req.abort(e);
            throw new DstackException.Timeout(endpoint, method, timeout, e);
        } catch (ExecutionException e) {
            // the listener completes normally only; keep the cause if that ever changes
            throw new DstackException.MalformedResponse(endpoint, method, "internal: " + e.getCause(), e.getCause());
        }
        Result result = outcome.result();
        if (result.isFailed()) {
            throw classify(method, result);
        }
        int status = result.getResponse().getStatus();
        byte[] bytes = outcome.body();
        if (status != 200) {
            throw new DstackException.ErrorStatus(endpoint, method, status, errorMessage(bytes));
        }
        if (bytes.length == 0) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new DstackException.MalformedResponse(endpoint, method, "body is not JSON (" + Json.location(e) + ")", e);
        } catch (java.io.IOException e) {
            throw new DstackException.MalformedResponse(endpoint, method, "body unreadable: " + e.getClass().getSimpleName(), e);
        }
    }

    private Request newRequest(String method) throws DstackException {
        return switch (endpoint) {
            case DstackEndpoint.UnixSocket u -> {
                if (!Files.exists(u.path())) {
                    throw new DstackException.Unreachable(endpoint, method, "socket " + u.path()
                            + " does not exist; is the guest agent running?", null);
                }
                yield http.newRequest(SOCKET_BASE + method).transport(new Transport.TCPUnix(u.path()));
            }
            case DstackEndpoint.Http h -> http.newRequest(methodUri(h.uri(), method));
        };
    }

    /** {@code base} with {@code /method} appended to its path (a trailing slash is not doubled). */
    static URI methodUri(URI base, String method) {
        String s = base.toString();
        int cut = s.indexOf('?');
        if (cut >= 0) s = s.substring(0, cut);
        return URI.create(s.endsWith("/") ? s + method : s + "/" + method);
    }

    private DstackException classify(String method, Result result) {
        Throwable failure = result.getFailure();
        if (has(failure, BoundedResponseListener.TooLarge.class)) {
            return new DstackException.ResponseTooLarge(endpoint, method, maxResponseBytes);
        }
        if (has(failure, TimeoutException.class) || has(failure, java.net.SocketTimeoutException.class)) {
            return new DstackException.Timeout(endpoint, method, timeout, failure);
        }
        boolean answered = result.getResponse() != null && result.getResponse().getStatus() > 0;
        if (!answered && (has(failure, ConnectException.class) || has(failure, NoRouteToHostException.class)
                || has(failure, UnknownHostException.class) || has(failure, UnresolvedAddressException.class)
                || has(failure, java.net.SocketException.class) && result.getRequestFailure() != null)) {
            return new DstackException.Unreachable(endpoint, method, describe(failure), failure);
        }
        return new DstackException.MalformedResponse(endpoint, method, "not a valid HTTP response (" + describe(failure) + ")", failure);
    }

    private static boolean has(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) return true;
        }
        return false;
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String msg = root.getMessage();
        return root.getClass().getSimpleName() + (msg == null ? "" : ": " + excerpt(msg));
    }

    /** The {@code error} field of a JSON error body, else a short printable excerpt of the body. */
    private static String errorMessage(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.isObject() && n.path("error").isTextual()) {
                return excerpt(n.get("error").textValue());
            }
        } catch (java.io.IOException notJson) {
            // fall through to the raw excerpt
        }
        return body.length == 0 ? "(empty body)" : excerpt(new String(body, StandardCharsets.UTF_8));
    }

    private static String excerpt(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", " ").strip();
        return clean.length() <= 300 ? clean : clean.substring(0, 300) + "…";
    }

    /** Configures a {@link DstackClient}. */
    public static final class Builder {
        private DstackEndpoint endpoint;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

        private Builder() {}

        /** The agent to call (required). */
        public Builder endpoint(DstackEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** The agent to call, as a socket path or {@code http(s)://} URL; see {@link DstackEndpoint#parse(String)}. */
        public Builder endpoint(String endpoint) {
            return endpoint(DstackEndpoint.parse(endpoint));
        }

        /** Per-call timeout covering connect, request and response; positive; default 30 s. */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Cap on a response body in bytes; positive; default 8 MiB. */
        public Builder maxResponseBytes(int maxResponseBytes) {
            if (maxResponseBytes <= 0) {
                throw new IllegalArgumentException("maxResponseBytes must be positive, got " + maxResponseBytes);
            }
            this.maxResponseBytes = maxResponseBytes;
            return this;
        }

        /**
         * A started client.
         *
         * @throws IllegalStateException if no endpoint was set
         */
        public DstackClient build() {
            if (endpoint == null) {
                throw new IllegalStateException("no endpoint set: call endpoint(...) or use DstackClient.discover()");
            }
            return new DstackClient(this);
        }
    }
}
