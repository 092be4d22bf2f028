package org.dstack4j.launcher.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.Mount;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.container.RestartPolicy;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * {@link ContainerEngine} over the Docker Engine API (docker-java 3.4 with the Apache httpclient5
 * transport) on a unix socket, or a loopback TCP port (see {@link DockerHost}). No docker CLI, no
 * shell.
 *
 * <p>Timeouts: {@code connectTimeout} to open a connection, {@code responseTimeout} for every
 * request (and, for the streamed pull, the longest silence between two progress messages), and
 * {@code pullDeadline} for a whole pull. Registry credentials go to the engine in the
 * {@code X-Registry-Auth} header only; the client never reads {@code ~/.docker/config.json}, so an
 * anonymous pull is anonymous. Container environment values never appear in an exception message.
 *
 * <p>Every failure is an {@link EngineException}: step {@link LaunchStep#PULL} for pull and image
 * inspection, {@link LaunchStep#START} for removing, creating and starting containers. No docker-java
 * runtime exception escapes. Thread-safe (the docker-java client is).
 */
public final class DockerEngine implements ContainerEngine {
    /** Time to open a connection to the engine. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Time to wait for an answer to one engine request. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    /** Time a whole pull (all layers, all progress) may take. */
    public static final Duration DEFAULT_PULL_DEADLINE = Duration.ofMinutes(30);

    /** Label put on every container this launcher creates. */
    public static final String LAUNCHER_LABEL = "org.dstack4j.launcher";
    /** Label holding the image ID the container was started from. */
    public static final String IMAGE_ID_LABEL = "org.dstack4j.image-id";
    /**
     * Label holding {@link ContainerSpec#fingerprint()}: an existing container with the same value
     * was created from the same spec and may be reused.
     */
    public static final String SPEC_LABEL = "org.dstack4j.spec";

    private static final String UNREACHABLE_FIX = "start dockerd or pass --docker-host";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DockerHost host;
    private final DockerHttpClient http;
    private final DockerClient client;
    private final Duration responseTimeout;
    private final Duration pullDeadline;

    private DockerEngine(DockerHost host, DockerHttpClient http, DockerClient client, Duration responseTimeout,
            Duration pullDeadline) {
        this.host = host;
        this.http = http;
        this.client = client;
        this.responseTimeout = responseTimeout;
        this.pullDeadline = pullDeadline;
    }

    /**
     * Connects with the {@linkplain #DEFAULT_PULL_DEADLINE default pull deadline} (30 min).
     *
     * @see #connect(String, Duration, Duration, Duration)
     */
    public static DockerEngine connect(String dockerHost, Duration connectTimeout, Duration responseTimeout)
            throws EngineException {
        return connect(dockerHost, connectTimeout, responseTimeout, DEFAULT_PULL_DEADLINE);
    }

    /**
     * Prepares a client for the engine at {@code dockerHost}. Does not contact the engine (see
     * {@link #ping()}); the first call that does reports an unreachable engine.
     *
     * @param dockerHost      {@code unix:///path/docker.sock} or {@code tcp://127.0.0.1:<port>}
     * @param connectTimeout  to open a connection, positive
     * @param responseTimeout for an answer to one request, positive
     * @param pullDeadline    for one whole pull, positive
     * @throws EngineException when {@code dockerHost} is not accepted by {@link DockerHost#parse}
     */
    public static DockerEngine connect(String dockerHost, Duration connectTimeout, Duration responseTimeout,
            Duration pullDeadline) throws EngineException {
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(responseTimeout, "responseTimeout");
        requirePositive(pullDeadline, "pullDeadline");
        DockerHost host = DockerHost.parse(dockerHost);
        // Built field by field, not from createDefaultConfigBuilder(): that one reads DOCKER_* env
        // variables, ~/.docker-java.properties and contexts, none of which are measured inputs.
        DefaultDockerClientConfig config = new DefaultDockerClientConfig.Builder()
                .withDockerHost(host.uri().toString())
                .withDockerTlsVerify(false)
                .build();
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(host.uri())
                .maxConnections(8)
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .build();
        return new DockerEngine(host, http, DockerClientImpl.getInstance(config, http), responseTimeout, pullDeadline);
    }

    /** The engine address this client talks to. */
    public DockerHost host() {
        return host;
    }

    /**
     * Checks that the engine answers {@code GET /_ping}.
     *
     * @throws EngineException (step {@link LaunchStep#PULL}) when it does not
     */
    public void ping() throws EngineException {
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            throw translate(LaunchStep.PULL, host.toString(), "ping the engine", e, List.of());
        }
    }

    /**
     * Pulls {@code repository@sha256:<manifest>} (the daemon takes the digest in the {@code tag}
     * parameter), streams progress lines, then returns the image ID ({@code Id}) of what it pulled.
     * The caller compares that ID with the selected digest.
     *
     * @throws EngineException (step {@link LaunchStep#PULL}) when the engine is unreachable, the
     *     registry refuses or fails, the pull exceeds the pull deadline, or the pulled image cannot be
     *     inspected
     */
    @Override
    public ImageDigest pull(ValidatedImage image, Optional<RegistryCredentials> credentials,
            Consumer<String> progress) throws EngineException {
        String ref = image.pullReference();
        PullProgress lines = PullProgress.to(progress);
        ResultCallback.Adapter<PullResponseItem> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(PullResponseItem item) {
                lines.accept(item);
            }
        };
        try {
            client.pullImageCmd(image.reference().repository())
                    .withTag(image.manifestDigest().toString())
                    .withAuthConfig(authConfig(image, credentials))
                    .exec(callback);
            if (!callback.awaitCompletion(pullDeadline.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new EngineException(LaunchStep.PULL, ref,
                        "the pull did not finish within " + human(pullDeadline),
                        "check the network between the engine and the registry, then launch again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(LaunchStep.PULL, ref, "interrupted while pulling", "launch again", e);
        } catch (RuntimeException e) {
            throw translate(LaunchStep.PULL, ref, "pull", e, List.of());
        } finally {
            closeQuietly(callback); // aborts the stream if it is still running
        }
        Optional<String> error = lines.error();
        if (error.isPresent()) {
            throw new EngineException(LaunchStep.PULL, ref, "the engine could not pull the image: " + error.get(),
                    "check that the engine can reach the registry, that it serves this manifest, and the registry credentials");
        }
        Optional<ImageDigest> id = imageId(ref);
        return id.orElseThrow(() -> new EngineException(LaunchStep.PULL, ref,
                "the pull reported success but the engine has no image " + ref,
                "check the engine's log, then launch again"));
    }

    /**
     * Inspects {@code reference} ({@code name:tag}, {@code name@sha256:…} or an image ID).
     *
     * @return the image ID ({@code Id}, {@code sha256:<hex>}), or empty when the engine answers 404
     * @throws EngineException (step {@link LaunchStep#PULL}) when the engine is unreachable or answers
     *     an ID that is not {@code sha256:<64 hex>}
     */
    @Override
    public Optional<ImageDigest> imageId(String reference) throws EngineException {
        String id;
        try {
            id = client.inspectImageCmd(reference).exec().getId();
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw translate(LaunchStep.PULL, reference, "inspect image", e, List.of());
        }
        return Optional.of(ImageDigest.parse(id).orElseThrow(() -> new EngineException(LaunchStep.PULL, reference,
                "the engine reported an image ID that is not sha256:<64 hex>: " + PullProgress.clean(id),
                "use a Docker engine that stores images by sha256 config digest")));
    }

    /**
     * {@code RepoDigests} of {@code reference}, each cleaned to one line.
     *
     * @throws EngineException (step {@link LaunchStep#PULL}) when the engine is unreachable
     */
    @Override
    public List<String> repoDigests(String reference) throws EngineException {
        try {
            List<String> digests = client.inspectImageCmd(reference).exec().getRepoDigests();
            return digests == null ? List.of() : digests.stream().map(PullProgress::clean).toList();
        } catch (NotFoundException e) {
            return List.of();
        } catch (RuntimeException e) {
            throw translate(LaunchStep.PULL, reference, "inspect image", e, List.of());
        }
    }

    /**
     * Inspects the container {@code name}.
     *
     * @return its ID, labels and whether it runs; empty when the engine answers 404
     * @throws EngineException (step {@link LaunchStep#START}) when the engine is unreachable or refuses
     */
    @Override
    public Optional<ExistingContainer> container(String name) throws EngineException {
        try {
            var inspect = client.inspectContainerCmd(name).exec();
            Map<String, String> labels = inspect.getConfig() == null || inspect.getConfig().getLabels() == null
                    ? Map.of() : inspect.getConfig().getLabels();
            boolean running = inspect.getState() != null && Boolean.TRUE.equals(inspect.getState().getRunning());
            return Optional.of(new ExistingContainer(inspect.getId(), labels, running));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw translate(LaunchStep.START, name, "inspect container", e, List.of());
        }
    }

    /**
     * Starts the existing container {@code id}; one already running (HTTP 304) is fine.
     *
     * @throws EngineException (step {@link LaunchStep#START}) when the engine is unreachable, refuses
     *     or the container is gone
     */
    @Override
    public void start(String id) throws EngineException {
        try {
            client.startContainerCmd(id).exec();
        } catch (com.github.dockerjava.api.exception.NotModifiedException alreadyRunning) {
            // started by its restart policy or never stopped
        } catch (RuntimeException e) {
            throw translate(LaunchStep.START, id, "start container", e, List.of());
        }
    }

    /**
     * Force-removes the container {@code name} (stopping it if running). Named volumes are kept
     * ({@code v=false}): they hold the node's data.
     *
     * @return true if it existed, false if the engine answered 404
     * @throws EngineException (step {@link LaunchStep#START}) when the engine is unreachable or refuses
     */
    @Override
    public boolean removeContainer(String name) throws EngineException {
        try {
            client.removeContainerCmd(name).withForce(true).withRemoveVolumes(false).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw translate(LaunchStep.START, name, "remove container", e, List.of());
        }
    }

    /**
     * Creates and starts the container: image by ID, environment, published TCP ports on
     * {@code 0.0.0.0}, bind mounts ({@code HostConfig.Binds}, {@code source:target[:ro]}; like
     * {@code docker run -v}, the engine creates a missing source directory) and named volumes
     * ({@code HostConfig.Mounts} of type volume, created on first use), security options,
     * restart policy, and the labels {@value #LAUNCHER_LABEL}{@code =1} and
     * {@value #IMAGE_ID_LABEL}{@code =<image id>}. If anything fails after the container was created,
     * the container is removed again, so a failed launch leaves no container behind.
     *
     * @return the container ID (64 hex) the engine assigned
     * @throws EngineException (step {@link LaunchStep#START}) when the image is not an image ID, the
     *     name is taken (409), the engine rejects the configuration or cannot start the container, or
     *     is unreachable; messages never contain environment values
     */
    @Override
    public String createAndStart(ContainerSpec spec) throws EngineException {
        String name = spec.name();
        ImageDigest imageId = ImageDigest.parse(spec.image()).orElseThrow(() -> new EngineException(LaunchStep.START,
                name, "the container image is not an image ID (sha256:<64 hex>): " + PullProgress.clean(spec.image()),
                "start the node from the validated image ID, never from a tag"));
        List<String> scrub = scrubList(spec.env());

        HostConfig hostConfig = HostConfig.newHostConfig()
                .withPortBindings(portBindings(spec.ports()))
                .withBinds(binds(spec.mounts()))
                .withMounts(volumes(spec.mounts()))
                .withSecurityOpts(spec.securityOpt())
                .withRestartPolicy(restartPolicy(name, spec.restartPolicy()));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LAUNCHER_LABEL, "1");
        labels.put(IMAGE_ID_LABEL, imageId.toString());
        labels.putAll(spec.labels());
        labels.put(SPEC_LABEL, spec.fingerprint().toString());

        String containerId;
        try {
            var create = client.createContainerCmd(imageId.toString());
            if (!spec.command().isEmpty()) create.withCmd(spec.command());
            CreateContainerResponse created = create
                    .withName(name)
                    .withEnv(spec.env().stream().map(EnvVar::toEngine).toList())
                    .withExposedPorts(exposedPorts(spec.ports()))
                    .withLabels(labels)
                    .withHostConfig(hostConfig)
                    .exec();
            containerId = created.getId();
        } catch (ConflictException e) {
            throw new EngineException(LaunchStep.START, name,
                    "the container name is taken: another container named " + name + " exists"
                            + " (it appeared after the launcher removed the old one)",
                    "remove the container " + name + " and launch again; make sure only one launcher runs");
        } catch (RuntimeException e) {
            EngineException failure = translate(LaunchStep.START, name, "create container", e, scrub);
            if (!(e instanceof DockerException)) {
                // The request may have reached the engine before the transport failed: do not leave
                // a container behind. A DockerException means the engine refused, nothing was created.
                removeAfterFailure(name, failure);
            }
            throw failure;
        }
        try {
            client.startContainerCmd(containerId).exec();
        } catch (RuntimeException e) {
            EngineException failure = translate(LaunchStep.START, name, "start container", e, scrub);
            removeAfterFailure(containerId, failure);
            throw failure;
        }
        return containerId;
    }

    /** Releases the connection pool. */
    @Override
    public void close() {
        closeQuietly(client);
        closeQuietly(http);
    }

    private void removeAfterFailure(String nameOrId, EngineException failure) {
        try {
            client.removeContainerCmd(nameOrId).withForce(true).withRemoveVolumes(false).exec();
        } catch (NotFoundException gone) {
            // nothing was left behind
        } catch (RuntimeException e) {
            failure.addSuppressed(new EngineException(LaunchStep.START, nameOrId,
                    "could not remove the half-created container: " + summary(e, List.of()),
                    "remove the container " + nameOrId + " by hand"));
        }
    }

    private static AuthConfig authConfig(ValidatedImage image, Optional<RegistryCredentials> credentials) {
        // Always explicit: with no AuthConfig, docker-java would look one up in ~/.docker/config.json.
        return credentials
                .map(c -> new AuthConfig().withUsername(c.username()).withPassword(c.password())
                        .withRegistryAddress(image.reference().registry()))
                .orElseGet(AuthConfig::new);
    }

    private static List<ExposedPort> exposedPorts(List<PortMapping> ports) {
        LinkedHashSet<ExposedPort> exposed = new LinkedHashSet<>();
        ports.forEach(p -> exposed.add(ExposedPort.tcp(p.container())));
        return List.copyOf(exposed);
    }

    private static Ports portBindings(List<PortMapping> ports) {
        Ports bindings = new Ports();
        ports.forEach(p -> bindings.bind(ExposedPort.tcp(p.container()), Ports.Binding.bindIpAndPort("0.0.0.0", p.host())));
        return bindings;
    }

    private static List<Bind> binds(List<Mount> mounts) {
        return mounts.stream().filter(m -> m.kind() == Mount.Kind.BIND)
                .map(m -> new Bind(m.source(), new Volume(m.target()), m.readOnly() ? AccessMode.ro : AccessMode.rw))
                .toList();
    }

    private static List<com.github.dockerjava.api.model.Mount> volumes(List<Mount> mounts) {
        return mounts.stream().filter(m -> m.kind() == Mount.Kind.VOLUME)
                .map(m -> new com.github.dockerjava.api.model.Mount().withType(MountType.VOLUME)
                        .withSource(m.source()).withTarget(m.target()).withReadOnly(m.readOnly()))
                .toList();
    }

    private static com.github.dockerjava.api.model.RestartPolicy restartPolicy(String name, RestartPolicy policy)
            throws EngineException {
        return switch (policy.name()) {
            case "no" -> com.github.dockerjava.api.model.RestartPolicy.noRestart();
            case "always" -> com.github.dockerjava.api.model.RestartPolicy.alwaysRestart();
            case "unless-stopped" -> com.github.dockerjava.api.model.RestartPolicy.unlessStoppedRestart();
            case "on-failure" -> com.github.dockerjava.api.model.RestartPolicy.onFailureRestart(policy.maximumRetryCount());
            default -> throw new EngineException(LaunchStep.START, name,
                    "unknown restart policy: " + PullProgress.clean(policy.name()),
                    "use no, on-failure, always or unless-stopped");
        };
    }

    /** Maps a docker-java or transport exception to the launch error for one step. */
    private EngineException translate(LaunchStep step, String input, String action, RuntimeException e,
            List<String> scrub) {
        if (e instanceof DockerException de) {
            String problem = action + " failed: the engine answered HTTP " + de.getHttpStatus() + ": "
                    + engineMessage(de, scrub);
            String fix = step == LaunchStep.PULL
                    ? "check the image reference, the registry and its credentials"
                    : de instanceof NotFoundException
                            ? "pull the validated image into this engine before starting it"
                            : "check the container settings (ports, mounts, security options) and the engine's log";
            // The engine's raw answer may quote environment values: keep it out of the cause chain.
            return new EngineException(step, input, problem, fix, scrub.isEmpty() ? de : null);
        }
        Throwable cause = e; // a transport failure carries no engine answer, hence no environment value
        if (hasCause(e, SocketTimeoutException.class) || hasCause(e, InterruptedIOException.class)) {
            return new EngineException(step, input,
                    action + " failed: the engine at " + host + " did not answer within " + human(responseTimeout),
                    "check that dockerd at " + host + " is healthy (its log, load, disk), then launch again", cause);
        }
        return new EngineException(step, input,
                action + " failed: cannot talk to the container engine at " + host + ": " + summary(e, scrub),
                UNREACHABLE_FIX, cause);
    }

    /** The {@code message} of the engine's JSON error body, scrubbed and capped. */
    private static String engineMessage(DockerException e, List<String> scrub) {
        String text = Objects.requireNonNullElse(e.getMessage(), "");
        int body = text.indexOf(": ");
        if (text.startsWith("Status ") && body > 0) {
            text = text.substring(body + 2);
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.hasNonNull("message")) {
                text = node.get("message").asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // keep the raw text
        }
        return capped(scrubbed(text, scrub));
    }

    /** Innermost cause's class and message, scrubbed and capped. */
    private static String summary(Throwable e, List<String> scrub) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage();
        return capped(scrubbed(root.getClass().getSimpleName() + message, scrub));
    }

    private static String scrubbed(String text, List<String> values) {
        String out = text;
        for (String v : values) {
            out = out.replace(v, "***");
        }
        return out;
    }

    /** One line, no control characters, at most {@value PullProgress#MAX_FIELD_CHARS} characters. */
    private static String capped(String text) {
        return PullProgress.clean(text);
    }

    /**
     * Values to replace by {@code ***} in engine messages about this container, longest first: every
     * secret value, and every other value of 4 or more characters (shorter ones such as {@code 1}
     * would only garble the message and reveal nothing).
     */
    static List<String> scrubList(List<EnvVar> env) {
        return env.stream()
                .filter(v -> v.secret() ? !v.value().isEmpty() : v.value().length() >= 4)
                .map(EnvVar::value)
                .distinct()
                .sorted(java.util.Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** {@code "250 ms"} below a second, else {@code "60 s"}. */
    private static String human(Duration d) {
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing a connection to an engine that is gone is not a launch failure
        }
    }
}
