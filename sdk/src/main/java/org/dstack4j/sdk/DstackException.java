package org.dstack4j.sdk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Why a call to the dstack guest agent failed. Sealed, so callers can switch over the kinds:
 *
 * {@snippet :
 * try {
 *     client.emitEvent("my-event", payload);
 * } catch (DstackException e) {
 *     switch (e) {
 *         case DstackException.NoEndpoint n -> System.err.println("no agent: " + n.getMessage());
 *         case DstackException.Unreachable u -> retryLater();
 *         case DstackException.Timeout t -> retryLater();
 *         case DstackException.ErrorStatus s -> System.err.println("agent said: " + s.serverMessage());
 *         case DstackException.MalformedResponse m -> throw m;
 *         case DstackException.ResponseTooLarge r -> throw r;
 *         case DstackException.Interrupted i -> Thread.currentThread().interrupt();
 *     }
 * }
 * }
 *
 * Messages never contain request or response bodies (they may carry keys), only the endpoint,
 * the method and the reason.
 */
public abstract sealed class DstackException extends Exception
        permits DstackException.NoEndpoint, DstackException.CallFailed {

    DstackException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Discovery found no agent: {@value DstackEndpoint#SIMULATOR_ENV} unset and no socket exists. */
    public static final class NoEndpoint extends DstackException {
        private final List<Path> tried;
        private final String envVar;

        NoEndpoint(List<Path> tried, String envVar) {
            super("no dstack guest agent found: none of " + tried + " exists and " + envVar
                    + " is not set; run inside a dstack CVM or set " + envVar
                    + " to a socket path or http(s):// URL", null);
            this.tried = List.copyOf(tried);
            this.envVar = envVar;
        }

        /** The socket paths checked, in order. */
        public List<Path> tried() {
            return tried;
        }

        /** The environment variable that would have overridden discovery. */
        public String envVar() {
            return envVar;
        }
    }

    /** A call to one method at one endpoint failed. */
    public abstract static sealed class CallFailed extends DstackException
            permits Unreachable, Timeout, ErrorStatus, MalformedResponse, ResponseTooLarge, Interrupted {
        private final DstackEndpoint endpoint;
        private final String method;

        CallFailed(DstackEndpoint endpoint, String method, String reason, Throwable cause) {
            super("dstack " + method + " at " + endpoint.describe() + ": " + reason, cause);
            this.endpoint = Objects.requireNonNull(endpoint);
            this.method = Objects.requireNonNull(method);
        }

        /** The endpoint called. */
        public DstackEndpoint endpoint() {
            return endpoint;
        }

        /** The API method called, e.g. {@code GetQuote}. */
        public String method() {
            return method;
        }
    }

    /** No connection: the socket is missing, the connection was refused, or the host is unknown. */
    public static final class Unreachable extends CallFailed {
        Unreachable(DstackEndpoint endpoint, String method, String reason, Throwable cause) {
            super(endpoint, method, "agent unreachable: " + reason, cause);
        }
    }

    /** No complete response within the client's timeout. */
    public static final class Timeout extends CallFailed {
        private final Duration timeout;

        Timeout(DstackEndpoint endpoint, String method, Duration timeout, Throwable cause) {
            super(endpoint, method, "no response within " + timeout.toMillis() + " ms", cause);
            this.timeout = timeout;
        }

        /** The timeout that expired. */
        public Duration timeout() {
            return timeout;
        }
    }

    /** The agent answered with an HTTP status other than 200 (the API uses 400 for errors). */
    public static final class ErrorStatus extends CallFailed {
        private final int status;
        private final String serverMessage;

        ErrorStatus(DstackEndpoint endpoint, String method, int status, String serverMessage) {
            super(endpoint, method, "HTTP " + status + ": " + serverMessage, null);
            this.status = status;
            this.serverMessage = serverMessage;
        }

        /** The HTTP status code. */
        public int status() {
            return status;
        }

        /** The server's {@code error} text, or a short excerpt of a non-JSON body. */
        public String serverMessage() {
            return serverMessage;
        }
    }

    /** The response was not valid HTTP, not JSON, or lacked a field or held a wrongly typed one. */
    public static final class MalformedResponse extends CallFailed {
        MalformedResponse(DstackEndpoint endpoint, String method, String reason, Throwable cause) {
            super(endpoint, method, "malformed response: " + reason, cause);
        }
    }

    /** The response body exceeded the client's size cap. */
    public static final class ResponseTooLarge extends CallFailed {
        private final long limit;

        ResponseTooLarge(DstackEndpoint endpoint, String method, long limit) {
            super(endpoint, method, "response larger than the " + limit + "-byte cap", null);
            this.limit = limit;
        }

        /** The cap in bytes. */
        public long limit() {
            return limit;
        }
    }

    /** The calling thread was interrupted while waiting; the interrupt flag is set again. */
    public static final class Interrupted extends CallFailed {
        Interrupted(DstackEndpoint endpoint, String method, InterruptedException cause) {
            super(endpoint, method, "interrupted while waiting for the response", cause);
        }
    }
}
