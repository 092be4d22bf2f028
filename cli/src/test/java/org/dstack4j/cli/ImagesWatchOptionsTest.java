package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster images watch} refuses a bad re-ask interval before it connects to anything. */
class ImagesWatchOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void aRebootReaskOutsideItsRangeIsOneClearError() {
        for (String bad : new String[] {"0", "604801"}) {
            CliRun r = CliRun.of("cluster", "images", "watch", "--agent-socket", tmp.resolve("a.sock").toString(),
                    "--relay-socket", tmp.resolve("r.sock").toString(), "--digest-file", tmp.resolve("d.bin").toString(),
                    "--reboot-reask", bad);
            assertThat(r.status()).isEqualTo(2);
            assertThat(r.err()).startsWith("--reboot-reask must be 1..604800 seconds");
        }
        assertThat(CliRun.of("cluster", "images", "watch", "--help").out()).contains("--reboot-reask=SECONDS").containsPattern("Default:\\s+900");
    }
}
