package org.dstack4j.launcher.container;

import java.util.List;

/**
 * Everything the engine needs to create the node container (spec/launcher.md "Container").
 *
 * @param name          container name, {@code mpc-node}
 * @param image         the validated image ID ({@code sha256:<hex>}), never a tag
 * @param env           passed variables, in user_config order, then the always-set ones
 * @param ports         published TCP ports
 * @param mounts        binds and named volumes
 * @param securityOpt   e.g. {@code no-new-privileges:true}
 * @param restartPolicy {@link RestartPolicy#ON_FAILURE}
 */
public record ContainerSpec(
        String name,
        String image,
        List<EnvVar> env,
        List<PortMapping> ports,
        List<Mount> mounts,
        List<String> securityOpt,
        RestartPolicy restartPolicy) {

    public ContainerSpec {
        env = List.copyOf(env);
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        securityOpt = List.copyOf(securityOpt);
    }

    /** The same spec started from {@code imageId} (the engine's image ID once the pull proved it). */
    public ContainerSpec withImage(String imageId) {
        return new ContainerSpec(name, imageId, env, ports, mounts, securityOpt, restartPolicy);
    }

    /** {@code KEY=VALUE} strings with secret values replaced by {@code ***}. */
    public List<String> redactedEnv() {
        return env.stream().map(EnvVar::redacted).toList();
    }
}
