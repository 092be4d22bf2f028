package org.dstack4j.launcher.engine;

import java.util.Map;
import java.util.Objects;

/**
 * A container the engine already has under the node's name.
 *
 * @param id      the container ID (64 hex)
 * @param labels  its labels (the launcher's spec fingerprint among them, when it created it)
 * @param running whether it runs now
 */
public record ExistingContainer(String id, Map<String, String> labels, boolean running) {
    public ExistingContainer {
        Objects.requireNonNull(id, "id");
        labels = Map.copyOf(labels);
    }
}
