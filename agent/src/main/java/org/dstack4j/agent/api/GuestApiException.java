package org.dstack4j.agent.api;

/** A guest API call failed; {@link #status()} is the HTTP status, the message goes to the client as {@code {"error":…}}. */
public final class GuestApiException extends Exception {
    private final int status;

    private GuestApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** Bad input (HTTP 400), as dstack answers it. */
    public static GuestApiException badRequest(String message) {
        return new GuestApiException(400, message);
    }

    /**
     * No such method on a mounted surface (HTTP 404), with dstack's body
     * {@code {"error":"Service not found: <Method>"}} (docs/guest-api-v1.md "Status codes").
     */
    public static GuestApiException serviceNotFound(String method) {
        return new GuestApiException(404, "Service not found: " + method);
    }

    /** Request body over the size cap (HTTP 413). */
    public static GuestApiException tooLarge(String message) {
        return new GuestApiException(413, message);
    }

    /** The agent itself failed (HTTP 500). */
    public static GuestApiException internal(String message) {
        return new GuestApiException(500, message);
    }

    /** The keys are not available yet, e.g. a cluster-mode agent whose node holds no secret (HTTP 503). */
    public static GuestApiException unavailable(String message) {
        return new GuestApiException(503, message);
    }

    /** HTTP status code: 400, 404, 413, 500 or 503. */
    public int status() {
        return status;
    }
}
