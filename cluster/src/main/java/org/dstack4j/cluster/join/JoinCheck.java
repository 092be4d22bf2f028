package org.dstack4j.cluster.join;

/**
 * The 14 named checks a member runs on a join request, in order (docs/cluster-protocol.md "Join checks").
 * {@link #number()} is the {@code check} of the contract's {@code reject}.
 */
public enum JoinCheck {
    REQUEST_PENDING(1, "request-pending"),
    REQUEST_FRESH(2, "request-fresh"),
    EVIDENCE_HASH(3, "evidence-hash"),
    QUOTE_FORMAT(4, "quote-format"),
    DCAP(5, "dcap"),
    DCAP_ROOT(6, "dcap-root"),
    TCB_STATUS(7, "tcb-status"),
    DEBUG_TD(8, "debug-td"),
    REPORT_DATA(9, "report-data"),
    RTMR3_REPLAY(10, "rtmr3-replay"),
    MEASUREMENT(11, "measurement"),
    COMPOSE_HASH(12, "compose-hash"),
    LAUNCHER_COMPOSE(13, "launcher-compose"),
    CLUSTER_PIN(14, "cluster-pin");

    private final int number;
    private final String checkName;

    JoinCheck(int number, String checkName) {
        this.number = number;
        this.checkName = checkName;
    }

    /** The wire number (uint8 of {@code reject}). */
    public int number() {
        return number;
    }

    /** The kebab-case name shown to people. */
    public String checkName() {
        return checkName;
    }

    /** The check with wire number {@code n}, for reading {@code Rejected} events. */
    public static java.util.Optional<JoinCheck> ofNumber(int n) {
        for (JoinCheck c : values()) if (c.number == n) return java.util.Optional.of(c);
        return java.util.Optional.empty();
    }
}
