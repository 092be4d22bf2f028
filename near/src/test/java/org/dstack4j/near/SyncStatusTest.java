package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;

import org.dstack4j.near.node.SyncStatus;
import org.junit.jupiter.api.Test;

class SyncStatusTest {
    @Test
    void readsTheGaugeWithOrWithoutLabelsAndIgnoresLookalikes() {
        String text = "# HELP near_sync_status Node sync status\n# TYPE near_sync_status gauge\n"
                + "near_sync_status_total 9\nnear_sync_status 0\n";
        assertThat(SyncStatus.fromMetrics(text)).hasValueSatisfying(s -> {
            assertThat(s.synced()).isTrue();
            assertThat(s.name()).isEqualTo("NoSync");
        });
        assertThat(SyncStatus.fromMetrics("near_sync_status{node=\"a\"} 3 1700000000\n")).hasValueSatisfying(s -> {
            assertThat(s.synced()).isFalse();
            assertThat(s.name()).isEqualTo("HeaderSync");
        });
        assertThat(SyncStatus.fromMetrics("near_sync_status 42\n").orElseThrow().name()).isEqualTo("unknown(42)");
        assertThat(SyncStatus.fromMetrics("near_block_height 5\n")).isEmpty();
        assertThat(SyncStatus.fromMetrics("near_sync_status NaN\n")).isEmpty();
    }
}
