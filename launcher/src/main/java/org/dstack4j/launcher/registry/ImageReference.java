package org.dstack4j.launcher.registry;

import java.util.List;

/**
 * Where to look for the image: a registry, a repository name and the tags to search, in order.
 *
 * @param registry {@code host[:port]}, e.g. {@code registry.hub.docker.com} or {@code 127.0.0.1:5000}
 * @param name     repository name, e.g. {@code nearone/mpc-node}
 * @param tags     tags to try in this order; non-empty
 */
public record ImageReference(String registry, String name, List<String> tags) {
    public ImageReference {
        tags = List.copyOf(tags);
    }

    /** {@code registry/name}, the repository as the engine names it. */
    public String repository() {
        return registry + "/" + name;
    }
}
