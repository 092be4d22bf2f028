package org.dstack4j.launcher.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;

/**
 * Where a repository's distribution API lives: {@code <scheme>://<apiHost>/v2/<name>/}.
 *
 * <p>Docker Hub is addressed like any other registry, with two documented exceptions copied from
 * Docker's reference normalisation: on a Docker Hub host ({@code docker.io},
 * {@code index.docker.io}, {@code registry-1.docker.io}, {@code registry.hub.docker.com}) a
 * single-component name gets the {@code library/} prefix, and {@code docker.io} /
 * {@code index.docker.io}, which are not API hosts, are reached at {@code registry-1.docker.io}.
 * Token realms and redirects are whatever the registry announces; nothing else is hard-coded.
 *
 * @param reference the reference with its name normalised (what was validated and is pulled)
 * @param base      {@code <scheme>://<apiHost>}
 */
public record RegistryEndpoint(ImageReference reference, URI base) {
    private static final Set<String> DOCKER_HUB_HOSTS =
            Set.of("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com");
    private static final Set<String> DOCKER_HUB_ALIASES = Set.of("docker.io", "index.docker.io");
    private static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";

    // OCI distribution spec, "Pulling manifests": <name> and <reference> grammar
    private static final Pattern NAME = Pattern.compile(
            "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    private static final Pattern AUTHORITY = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");

    /**
     * Checks the reference and resolves its API base.
     *
     * @throws RegistryException when the registry is not {@code host[:port]}, the name is not an OCI
     *                           repository name, or a tag is not an OCI tag (names the bad value)
     */
    public static RegistryEndpoint of(ImageReference ref, HostPolicy hosts) throws RegistryException {
        String registry = ref.registry() == null ? "" : ref.registry().strip().toLowerCase(Locale.ROOT);
        if (!AUTHORITY.matcher(registry).matches()) {
            throw new RegistryException(LaunchStep.REGISTRY, "MPC_REGISTRY",
                    "registry is not host[:port]: " + ref.registry(), "set MPC_REGISTRY to host[:port], e.g. registry.example.com:5000");
        }
        String name = ref.name() == null ? "" : ref.name();
        if (!NAME.matcher(name).matches() || name.length() > 255) {
            throw new RegistryException(LaunchStep.REGISTRY, "MPC_IMAGE_NAME",
                    "not an OCI repository name: " + name, "set MPC_IMAGE_NAME to a lowercase name such as nearone/mpc-node");
        }
        if (ref.tags().isEmpty()) {
            throw new RegistryException(LaunchStep.REGISTRY, "MPC_IMAGE_TAGS", "no tags to search", "set MPC_IMAGE_TAGS to one or more comma-separated tags");
        }
        for (String tag : ref.tags()) {
            if (tag == null || !TAG.matcher(tag).matches()) {
                throw new RegistryException(LaunchStep.REGISTRY, "MPC_IMAGE_TAGS",
                        "not an OCI tag: " + tag, "use tags of [A-Za-z0-9_.-], at most 128 characters, not starting with . or -");
            }
        }
        String hostOnly = registry.startsWith("[") ? registry : registry.replaceFirst(":[0-9]+$", "");
        boolean hub = DOCKER_HUB_HOSTS.contains(hostOnly);
        if (hub && !name.contains("/")) name = "library/" + name;
        String apiAuthority = hub && DOCKER_HUB_ALIASES.contains(registry) ? DOCKER_HUB_API_HOST : registry;
        URI base;
        try {
            base = new URI(hosts.schemeFor(apiAuthority) + "://" + apiAuthority);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new RegistryException(LaunchStep.REGISTRY, "MPC_REGISTRY",
                    "registry is not host[:port]: " + ref.registry(), "set MPC_REGISTRY to host[:port]");
        }
        return new RegistryEndpoint(new ImageReference(ref.registry(), name, ref.tags()), base);
    }

    /** {@code <base>/v2/<name>/manifests/<reference>} for a tag or a {@code sha256:} digest. */
    public URI manifestUri(String tagOrDigest) {
        return URI.create(base + "/v2/" + reference.name() + "/manifests/" + tagOrDigest);
    }

    /** The registry as the operator named it, for errors and credentials lookup. */
    public String registry() {
        return reference.registry();
    }

    /** The default token scope: {@code repository:<name>:pull}. */
    public String pullScope() {
        return "repository:" + reference.name() + ":pull";
    }
}
