package org.dstack4j.launcher;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.Rejection;
import org.dstack4j.launcher.measurement.Measurement;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.Selection;

/**
 * What a successful launch did: which digest was selected and why, what the registry proved, which
 * container runs, and RTMR3 before and after. Contains no secret values (the container's env is
 * reported redacted).
 *
 * @param startedAt          when the launch began
 * @param platform           {@code TEE} or {@code NONTEE}
 * @param selection          the selected image ID and why
 * @param validated          tag, manifest digest and image ID the registry proved
 * @param localImageId       the engine's image ID after the pull (equals the selected digest)
 * @param measurement        RTMR3 before/after; empty in {@code NONTEE} mode
 * @param containerId        the started container's ID (64 hex)
 * @param replacedContainer  an earlier {@code mpc-node} was removed
 * @param reusedContainer    TOML mode: the existing {@code mpc-node} was unchanged and kept (its logs survive)
 * @param container          the container spec (env redacted when serialised)
 * @param rejected           user_config entries skipped, by key
 * @param timings            duration of each step
 * @param toml               TOML mode: the node config written (masked forms only for output) and where
 */
public record LaunchReport(
        Instant startedAt,
        String platform,
        Selection selection,
        ValidatedImage validated,
        String localImageId,
        Optional<Measurement> measurement,
        String containerId,
        boolean replacedContainer,
        boolean reusedContainer,
        ContainerSpec container,
        List<Rejection> rejected,
        Map<LaunchStep, Duration> timings,
        Optional<org.dstack4j.launcher.nodeconfig.TomlLaunch> toml) {

    public LaunchReport {
        rejected = List.copyOf(rejected);
        timings = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(timings)); // step order
    }
}
