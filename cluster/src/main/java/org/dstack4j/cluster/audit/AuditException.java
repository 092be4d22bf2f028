package org.dstack4j.cluster.audit;

/** The chain lacks what an audit needs (an unknown request, events below the blocks read, no bootstrap). */
public final class AuditException extends Exception {
    public AuditException(String message) {
        super(message);
    }
}
