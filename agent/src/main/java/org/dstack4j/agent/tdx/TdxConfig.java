package org.dstack4j.agent.tdx;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.attestation.policy.ClusterKeyProvider;
import org.dstack4j.agent.simulator.AppCompose;

/**
 * Where the Linux TDX backend finds its interfaces and keeps its state.
 *
 * @param reportRoot   configfs-tsm report directory, normally {@value #DEFAULT_REPORT_ROOT}
 * @param rtmr3File    sysfs RTMR3 file, normally {@value #DEFAULT_RTMR3_FILE} (Linux 6.16+)
 * @param eventLog     runtime event log file (JSON lines); created on first start
 * @param keyFile      app root key file (64 hex chars, mode 0600); created on first start
 * @param appCompose   the app-compose measured by the boot events; must use key provider {@code none}
 * @param ioTimeout    bound on waiting for a quote or an RTMR3 extension to take effect
 * @param cluster      in cluster mode, the cluster the {@code key-provider} boot event names (instead of {@code none})
 */
public record TdxConfig(Path reportRoot, Path rtmr3File, Path eventLog, Path keyFile, AppCompose appCompose,
        Duration ioTimeout, Optional<ClusterKeyProvider> cluster) {
    /** Linux configfs-tsm report directory. */
    public static final String DEFAULT_REPORT_ROOT = "/sys/kernel/config/tsm/report";
    /** Linux tdx_guest sysfs file for RTMR3 (write a 48-byte digest to extend; read for the value). */
    public static final String DEFAULT_RTMR3_FILE = "/sys/devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384";
    /** Default I/O bound: 30 s, enough for a quote through a remote quote generation service. */
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(30);

    public TdxConfig {
        Objects.requireNonNull(reportRoot, "reportRoot");
        Objects.requireNonNull(rtmr3File, "rtmr3File");
        Objects.requireNonNull(eventLog, "eventLog");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(appCompose, "appCompose");
        if (ioTimeout.isNegative() || ioTimeout.isZero()) {
            throw new IllegalArgumentException("ioTimeout must be positive");
        }
        cluster = cluster == null ? Optional.empty() : cluster;
    }

    /** Not in cluster mode: the {@code key-provider} event is {@code none}. */
    public TdxConfig(Path reportRoot, Path rtmr3File, Path eventLog, Path keyFile, AppCompose appCompose, Duration ioTimeout) {
        this(reportRoot, rtmr3File, eventLog, keyFile, appCompose, ioTimeout, Optional.empty());
    }

    /** Default key file: {@code app-root-key.hex} next to the event log. */
    public static Path defaultKeyFile(Path eventLog) {
        Path dir = eventLog.toAbsolutePath().getParent();
        return dir.resolve("app-root-key.hex");
    }
}
