package org.dstack4j.launcher.container;

import java.util.List;
import java.util.Objects;

/**
 * The node container to start and the user_config entries that were skipped.
 *
 * @param spec     what the engine creates
 * @param rejected skipped entries, by key only (values may be secrets), in user_config order
 */
public record ContainerPlan(ContainerSpec spec, List<Rejection> rejected) {
    public ContainerPlan {
        Objects.requireNonNull(spec, "spec");
        rejected = List.copyOf(rejected);
    }
}
