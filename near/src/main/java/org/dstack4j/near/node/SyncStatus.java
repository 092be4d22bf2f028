package org.dstack4j.near.node;

import java.util.Optional;

/**
 * The node's NEAR sync state from its Prometheus {@code /metrics}: the gauge {@code near_sync_status}, nearcore's
 * {@code SyncStatus::repr} (0 NoSync — caught up; 1 AwaitingPeers; 2 EpochSync; 3 HeaderSync; 4 StateSync;
 * 5 StateSyncDone; 6 BodySync).
 *
 * @param value the gauge's value
 */
public record SyncStatus(long value) {
    private static final String[] NAMES = {"NoSync", "AwaitingPeers", "EpochSync", "HeaderSync", "StateSync", "StateSyncDone", "BodySync"};

    /** Whether the node is caught up with the chain (NoSync). */
    public boolean synced() {
        return value == 0;
    }

    /** nearcore's variant name, or {@code unknown(<value>)}. */
    public String name() {
        return value >= 0 && value < NAMES.length ? NAMES[(int) value] : "unknown(" + value + ")";
    }

    /**
     * Finds {@code near_sync_status} in Prometheus text exposition (with or without labels; comments skipped).
     *
     * @return empty when the metric is absent or its value is not an integer
     */
    public static Optional<SyncStatus> fromMetrics(String text) {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.startsWith("#") || !l.startsWith("near_sync_status")) continue;
            String rest = l.substring("near_sync_status".length());
            if (!(rest.startsWith(" ") || rest.startsWith("{"))) continue; // another metric with this prefix
            if (rest.startsWith("{")) {
                int close = rest.indexOf('}');
                if (close < 0) continue;
                rest = rest.substring(close + 1);
            }
            String[] parts = rest.strip().split("\\s+");
            try {
                double v = Double.parseDouble(parts[0]);
                if (v == Math.rint(v) && !Double.isInfinite(v)) return Optional.of(new SyncStatus((long) v));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
