package org.dstack4j.agent.tdx;

/**
 * The Linux TDX backend refuses to start: an interface is missing or misbehaves, the key file or
 * event log is unreadable, or the event log does not replay to the live RTMR3 (fail closed). The
 * message names the file or interface and what to do.
 */
public final class TdxStartException extends Exception {
    public TdxStartException(String message) {
        super(message);
    }

    public TdxStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
