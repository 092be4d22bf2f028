package org.dstack4j.launcher.engine;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;

/**
 * Where the Docker Engine API listens: {@code unix:///absolute/path} (the normal case) or
 * {@code tcp://<loopback>:<port>}.
 *
 * <p>Plain TCP is accepted only to a loopback host ({@code 127.0.0.1}, {@code ::1},
 * {@code localhost}): the engine connection carries registry credentials and the node's secret
 * environment variables, which must not cross a network unencrypted, and TLS client certificates
 * are not part of the launcher's measured configuration. {@code https}, {@code ssh} and
 * {@code npipe} hosts are rejected.
 *
 * @param uri the validated URI as handed to the transport
 */
public record DockerHost(URI uri) {
    /** The launcher's default when neither {@code --docker-host} nor {@code $DOCKER_HOST} is set. */
    public static final String DEFAULT = "unix:///var/run/docker.sock";

    /** {@code sun_path} in {@code struct sockaddr_un} is 108 bytes including the terminating NUL. */
    private static final int MAX_UNIX_PATH_BYTES = 107;

    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "[::1]", "::1", "localhost");

    /**
     * Parses and checks a docker host string.
     *
     * @param text e.g. {@code unix:///var/run/docker.sock} or {@code tcp://127.0.0.1:2375}
     * @throws EngineException (step {@link LaunchStep#PULL}, the first engine call of a launch) when
     *     the text is not an accepted docker host
     */
    public static DockerHost parse(String text) throws EngineException {
        String fix = "pass --docker-host unix:///var/run/docker.sock (or tcp://127.0.0.1:<port>)";
        if (text == null || text.isBlank()) {
            throw new EngineException(LaunchStep.PULL, "--docker-host", "the docker host is empty", fix);
        }
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new EngineException(LaunchStep.PULL, "--docker-host", "not a URI: " + text, fix, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        switch (scheme) {
            case "unix" -> {
                String path = uri.getPath();
                if (uri.getAuthority() != null || path == null || !path.startsWith("/")) {
                    throw new EngineException(LaunchStep.PULL, "--docker-host",
                            "a unix docker host needs an absolute socket path (unix:///path): " + text, fix);
                }
                if (path.getBytes(StandardCharsets.UTF_8).length > MAX_UNIX_PATH_BYTES) {
                    throw new EngineException(LaunchStep.PULL, "--docker-host",
                            "unix socket path longer than " + MAX_UNIX_PATH_BYTES + " bytes: " + path,
                            "use a shorter socket path");
                }
                return new DockerHost(uri);
            }
            case "tcp" -> {
                if (uri.getHost() == null || uri.getPort() < 1) {
                    throw new EngineException(LaunchStep.PULL, "--docker-host",
                            "a tcp docker host needs host and port (tcp://127.0.0.1:2375): " + text, fix);
                }
                if (!LOOPBACK.contains(uri.getHost().toLowerCase(java.util.Locale.ROOT))) {
                    throw new EngineException(LaunchStep.PULL, "--docker-host",
                            "plain-TCP docker host is not loopback: " + uri.getHost()
                                    + " (credentials and secrets would cross the network unencrypted)",
                            "use the engine's unix socket, or a loopback tcp:// address");
                }
                return new DockerHost(uri);
            }
            default -> throw new EngineException(LaunchStep.PULL, "--docker-host",
                    "unsupported docker host scheme '" + scheme + "' in " + text, fix);
        }
    }

    /** The URI text, e.g. {@code unix:///var/run/docker.sock}; used in error messages. */
    @Override
    public String toString() {
        return uri.toString();
    }
}
