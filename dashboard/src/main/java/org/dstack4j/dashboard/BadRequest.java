package org.dstack4j.dashboard;

/**
 * A request the dashboard refuses: an HTTP 4xx status and one line of plain text naming the input and
 * what is accepted. The message never holds a secret (inputs are query parameters and container names).
 */
public final class BadRequest extends Exception {
    private final int status;

    /**
     * @param status  HTTP status, 400–499
     * @param message the body, one line
     */
    public BadRequest(int status, String message) {
        super(message);
        if (status < 400 || status > 499) throw new IllegalArgumentException("status must be 4xx");
        this.status = status;
    }

    /** HTTP status, 400–499. */
    public int status() {
        return status;
    }
}
