package org.dstack4j.sdk;

import java.util.List;

/**
 * The {@code tcb_info} of {@code Info}: the CVM's measurements and its complete event log.
 * Register and hash values are lowercase hex as served ({@code ""} when absent): {@code mrtd} and
 * {@code rtmr0..3} are 48-byte SHA-384 values, {@code composeHash} is SHA-256 of {@code appCompose}.
 *
 * @param mrtd         MRTD, 96 hex chars
 * @param rtmr0        RTMR0, 96 hex chars
 * @param rtmr1        RTMR1
 * @param rtmr2        RTMR2
 * @param rtmr3        RTMR3
 * @param mrAggregated aggregated measurement
 * @param osImageHash  hash of the dstack OS image
 * @param composeHash  SHA-256 of the raw app-compose.json
 * @param deviceId     device identifier
 * @param appCompose   the raw app-compose.json text
 * @param eventLog     every event with its digest (unlike {@code GetQuote}, nothing is blanked)
 */
public record TcbInfo(String mrtd, String rtmr0, String rtmr1, String rtmr2, String rtmr3, String mrAggregated,
        String osImageHash, String composeHash, String deviceId, String appCompose, List<EventLogEntry> eventLog) {

    /** A TCB info with every field empty, for agents that serve none. */
    public static final TcbInfo EMPTY = new TcbInfo("", "", "", "", "", "", "", "", "", "", List.of());

    public TcbInfo {
        eventLog = List.copyOf(eventLog);
    }

    /** The event log with replay and lookup helpers. */
    public EventLog log() {
        return EventLog.of(eventLog);
    }

    /** RTMR{@code i} as hex, {@code i} in 0–3. */
    public String rtmr(int i) {
        return switch (i) {
            case 0 -> rtmr0;
            case 1 -> rtmr1;
            case 2 -> rtmr2;
            case 3 -> rtmr3;
            default -> throw new IllegalArgumentException("RTMR index must be 0..3, got " + i);
        };
    }
}
