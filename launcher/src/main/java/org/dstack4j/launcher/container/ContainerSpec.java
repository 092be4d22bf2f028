package org.dstack4j.launcher.container;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Everything the engine needs to create the node container (docs/launcher.md "Container").
 *
 * @param name          container name, {@code mpc-node}
 * @param image         the validated image ID ({@code sha256:<hex>}), never a tag
 * @param env           passed variables, in user_config order, then the always-set ones
 * @param ports         published TCP ports
 * @param mounts        binds and named volumes
 * @param securityOpt   e.g. {@code no-new-privileges:true}
 * @param restartPolicy {@link RestartPolicy#ON_FAILURE}
 * @param command       the command to run; empty = the image's own
 * @param labels        extra labels (the engine adds its own)
 * @param network       the user-defined bridge network the container joins at create time,
 *                      {@value #NODE_NETWORK} (upstream's compose project network: Docker's embedded
 *                      DNS at 127.0.0.11); the engine creates it when absent
 */
public record ContainerSpec(
        String name,
        String image,
        List<EnvVar> env,
        List<PortMapping> ports,
        List<Mount> mounts,
        List<String> securityOpt,
        RestartPolicy restartPolicy,
        List<String> command,
        Map<String, String> labels,
        String network) {

    /** The network upstream's compose runs the node on: project {@code mpc-node}, its {@code default} network. */
    public static final String NODE_NETWORK = "mpc-node_default";

    public ContainerSpec {
        java.util.Objects.requireNonNull(network, "network");
        env = List.copyOf(env);
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        securityOpt = List.copyOf(securityOpt);
        command = List.copyOf(command);
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** The image's own command, no extra labels (the 2025 {@code .env} mode). */
    public ContainerSpec(String name, String image, List<EnvVar> env, List<PortMapping> ports, List<Mount> mounts,
                         List<String> securityOpt, RestartPolicy restartPolicy) {
        this(name, image, env, ports, mounts, securityOpt, restartPolicy, List.of(), Map.of());
    }

    /** On the {@value #NODE_NETWORK} network. */
    public ContainerSpec(String name, String image, List<EnvVar> env, List<PortMapping> ports, List<Mount> mounts,
                         List<String> securityOpt, RestartPolicy restartPolicy, List<String> command,
                         Map<String, String> labels) {
        this(name, image, env, ports, mounts, securityOpt, restartPolicy, command, labels, NODE_NETWORK);
    }

    /** The same spec with one more label. */
    public ContainerSpec withLabel(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(labels);
        more.put(key, value);
        return new ContainerSpec(name, image, env, ports, mounts, securityOpt, restartPolicy, command, more, network);
    }

    /**
     * SHA-256 over everything the engine is told (values included, secrets too: only the hash is
     * kept, as a container label). Two launches with equal fingerprints would create the same
     * container, so the existing one can be reused.
     */
    public ImageDigest fingerprint() {
        StringBuilder s = new StringBuilder();
        s.append("name\0").append(name).append("\0image\0").append(image);
        env.forEach(e -> s.append("\0env\0").append(e.toEngine()));
        ports.forEach(p -> s.append("\0port\0").append(p));
        mounts.forEach(m -> s.append("\0mount\0").append(m.kind()).append(':').append(m));
        securityOpt.forEach(o -> s.append("\0sec\0").append(o));
        s.append("\0restart\0").append(restartPolicy);
        command.forEach(c -> s.append("\0cmd\0").append(c));
        new TreeMap<>(labels).forEach((k, v) -> s.append("\0label\0").append(k).append('=').append(v));
        // a container from before the network (default bridge) differs, so an upgrade replaces it
        s.append("\0network\0").append(network);
        return ImageDigest.of(s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The same spec started from {@code imageId} (the engine's image ID once the pull proved it). */
    public ContainerSpec withImage(String imageId) {
        return new ContainerSpec(name, imageId, env, ports, mounts, securityOpt, restartPolicy, command, labels, network);
    }

    /** {@code KEY=VALUE} strings with secret values replaced by {@code ***}. */
    public List<String> redactedEnv() {
        return env.stream().map(EnvVar::redacted).toList();
    }
}
