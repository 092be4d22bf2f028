package org.dstack4j.launcher.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * {@link ContainerEngine} over the Docker Engine API on a unix socket, or a loopback TCP port (see
 * {@link DockerHost}), through the launcher's own small HTTP/1.1 client ({@link EngineHttp}). No
 * docker CLI, no shell, no general-purpose Docker library (they load hundreds of classes a launch
 * does not need).
 *
 * <p>Deadlines: {@code connectTimeout} to open a connection; {@code callTimeout} for every call as a
 * whole, from connect to the last byte of the answer (an engine that accepts and never answers fails
 * the call when it passes); for the streamed pull, {@code callTimeout} is the longest silence between
 * two progress messages and {@code pullDeadline} bounds the whole pull. Registry credentials go to the
 * engine in the {@code X-Registry-Auth} header only; nothing reads {@code ~/.docker/config.json}, so
 * an anonymous pull is anonymous. Container environment values never appear in an exception message.
 *
 * <p>Every failure is an {@link EngineException}: step {@link LaunchStep#PULL} for pull and image
 * inspection, {@link LaunchStep#START} for removing, creating and starting containers; its message
 * names the call. Thread-safe: each call uses its own connection.
 */
public final class DockerEngine implements ContainerEngine {
    /** Time to open a connection to the engine. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Time one engine call may take as a whole (connect to last byte). */
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

    /** Driver of the node's network: a user-defined bridge (Docker's embedded DNS at 127.0.0.11). */
    public static final String NETWORK_DRIVER = "bridge";

    private static final String UNREACHABLE_FIX = "start dockerd or pass --docker-host";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DockerHost host;
    private final EngineHttp http;
    private final Duration callTimeout;
    private final Duration pullDeadline;

    private DockerEngine(DockerHost host, EngineHttp http, Duration callTimeout, Duration pullDeadline) {
        this.host = host;
        this.http = http;
        this.callTimeout = callTimeout;
        this.pullDeadline = pullDeadline;
    }

    /**
     * Connects with the {@linkplain #DEFAULT_PULL_DEADLINE default pull deadline} (30 min).
     *
     * @see #connect(String, Duration, Duration, Duration)
     */
    public static DockerEngine connect(String dockerHost, Duration connectTimeout, Duration callTimeout)
            throws EngineException {
        return connect(dockerHost, connectTimeout, callTimeout, DEFAULT_PULL_DEADLINE);
    }

    /**
     * Prepares a client for the engine at {@code dockerHost}. Does not contact the engine (see
     * {@link #ping()}); the first call that does reports an unreachable engine.
     *
     * @param dockerHost     {@code unix:///path/docker.sock} or {@code tcp://127.0.0.1:<port>}
     * @param connectTimeout to open a connection, positive
     * @param callTimeout    for one whole call (connect to last byte; during a pull, the longest
     *                       silence between two progress messages), positive
     * @param pullDeadline   for one whole pull, positive
     * @throws EngineException when {@code dockerHost} is not accepted by {@link DockerHost#parse}
     */
    public static DockerEngine connect(String dockerHost, Duration connectTimeout, Duration callTimeout,
            Duration pullDeadline) throws EngineException {
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(callTimeout, "callTimeout");
        requirePositive(pullDeadline, "pullDeadline");
        DockerHost host = DockerHost.parse(dockerHost);
        return new DockerEngine(host, new EngineHttp(host, connectTimeout), callTimeout, pullDeadline);
    }

    /** The engine address this client talks to. */
    public DockerHost host() {
        return host;
    }

    /** The bound on one engine call (connect to last byte). */
    public Duration callTimeout() {
        return callTimeout;
    }

    /**
     * Checks that the engine answers {@code GET /_ping}.
     *
     * @throws EngineException (step {@link LaunchStep#PULL}) when it does not
     */
    public void ping() throws EngineException {
        EngineHttp.Response r = call(LaunchStep.PULL, host.toString(), "ping the engine", "GET", "/_ping", null, List.of());
        if (!r.ok()) throw httpError(LaunchStep.PULL, host.toString(), "ping the engine", r, List.of());
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
        String target = "/images/create?fromImage=" + query(image.reference().repository())
                + "&tag=" + query(image.manifestDigest().toString());
        EngineHttp.Response r;
        try {
            r = http.stream("POST", target, Map.of("X-Registry-Auth", authHeader(image, credentials)),
                    pullDeadline, callTimeout, message -> lines.accept(parse(message)));
        } catch (EngineHttp.DeadlineExceeded e) {
            if (!e.silence && !e.connect) {
                throw new EngineException(LaunchStep.PULL, ref,
                        "the pull did not finish within " + human(pullDeadline),
                        "check the network between the engine and the registry, then launch again");
            }
            throw transportError(LaunchStep.PULL, ref, "pull", e, List.of());
        } catch (IOException | RuntimeException e) {
            throw transportError(LaunchStep.PULL, ref, "pull", e, List.of());
        }
        if (!r.ok()) {
            EngineException e = httpError(LaunchStep.PULL, ref, "pull", r, List.of());
            // 4xx but timeout and rate limit: the engine or registry refuses this request as such
            boolean permanent = r.status() >= 400 && r.status() < 500 && r.status() != 408 && r.status() != 429
                    || permanentPullError(e.getMessage());
            throw new EngineException(LaunchStep.PULL, ref, e.getMessage(), e.fix(), null, permanent);
        }
        Optional<String> error = lines.error();
        if (error.isPresent()) {
            throw new EngineException(LaunchStep.PULL, ref, "the engine could not pull the image: " + error.get(),
                    "check that the engine can reach the registry, that it serves this manifest, and the registry credentials",
                    null, permanentPullError(error.get()));
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
        Optional<JsonNode> inspect = inspectImage(reference);
        if (inspect.isEmpty()) return Optional.empty();
        String id = inspect.get().path("Id").asText("");
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
        Optional<JsonNode> inspect = inspectImage(reference);
        if (inspect.isEmpty()) return List.of();
        List<String> digests = new java.util.ArrayList<>();
        inspect.get().path("RepoDigests").forEach(d -> digests.add(PullProgress.clean(d.asText())));
        return List.copyOf(digests);
    }

    private Optional<JsonNode> inspectImage(String reference) throws EngineException {
        EngineHttp.Response r = call(LaunchStep.PULL, reference, "inspect image", "GET",
                "/images/" + path(reference) + "/json", null, List.of());
        if (r.status() == 404) return Optional.empty();
        if (!r.ok()) throw httpError(LaunchStep.PULL, reference, "inspect image", r, List.of());
        return Optional.of(json(LaunchStep.PULL, reference, "inspect image", r));
    }

    /**
     * Inspects the container {@code name}.
     *
     * @return its ID, labels and whether it runs; empty when the engine answers 404
     * @throws EngineException (step {@link LaunchStep#START}) when the engine is unreachable or refuses
     */
    @Override
    public Optional<ExistingContainer> container(String name) throws EngineException {
        EngineHttp.Response r = call(LaunchStep.START, name, "inspect container", "GET",
                "/containers/" + path(name) + "/json", null, List.of());
        if (r.status() == 404) return Optional.empty();
        if (!r.ok()) throw httpError(LaunchStep.START, name, "inspect container", r, List.of());
        JsonNode inspect = json(LaunchStep.START, name, "inspect container", r);
        Map<String, String> labels = new LinkedHashMap<>();
        inspect.path("Config").path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        boolean running = inspect.path("State").path("Running").asBoolean(false);
        return Optional.of(new ExistingContainer(inspect.path("Id").asText(""), Map.copyOf(labels), running));
    }

    /**
     * Starts the existing container {@code id}; one already running (HTTP 304) is fine.
     *
     * @throws EngineException (step {@link LaunchStep#START}) when the engine is unreachable, refuses
     *     or the container is gone
     */
    @Override
    public void start(String id) throws EngineException {
        startContainer(id, id, List.of());
    }

    private void startContainer(String input, String id, List<String> scrub) throws EngineException {
        EngineHttp.Response r = call(LaunchStep.START, input, "start container", "POST",
                "/containers/" + path(id) + "/start", null, scrub);
        if (!r.ok() && r.status() != 304) throw httpError(LaunchStep.START, input, "start container", r, scrub);
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
        EngineHttp.Response r = call(LaunchStep.START, name, "remove container", "DELETE",
                "/containers/" + path(name) + "?force=true&v=false", null, List.of());
        if (r.status() == 404) return false;
        if (!r.ok()) throw httpError(LaunchStep.START, name, "remove container", r, List.of());
        return true;
    }

    /**
     * Creates and starts the container: image by ID, environment, published TCP ports on every
     * host address, IPv4 and IPv6 (empty {@code HostIp}, as compose's {@code H:C}), attached at
     * create time to {@link ContainerSpec#network()} (made sure of first, see {@link #ensureNetwork}),
     * bind mounts ({@code HostConfig.Binds}, {@code source:target:ro|rw}; like
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
        byte[] body = createBody(spec, imageId);
        ensureNetwork(spec.network());

        EngineHttp.Response r;
        try {
            r = http.exchange("POST", "/containers/create?name=" + query(name), Map.of(), body, callTimeout);
        } catch (IOException | RuntimeException e) {
            // The request may have reached the engine before the transport failed: do not leave a
            // container behind.
            EngineException failure = transportError(LaunchStep.START, name, "create container", e, scrub);
            removeAfterFailure(name, failure);
            throw failure;
        }
        if (r.status() == 409) {
            throw new EngineException(LaunchStep.START, name,
                    "the container name is taken: another container named " + name + " exists"
                            + " (it appeared after the launcher removed the old one)",
                    "remove the container " + name + " and launch again; make sure only one launcher runs");
        }
        if (!r.ok()) throw httpError(LaunchStep.START, name, "create container", r, scrub); // refused: nothing created
        String containerId = json(LaunchStep.START, name, "create container", r).path("Id").asText("");
        if (containerId.isEmpty()) {
            EngineException failure = new EngineException(LaunchStep.START, name,
                    "create container failed: the engine's answer has no container Id", "check the engine's log");
            removeAfterFailure(name, failure);
            throw failure;
        }
        try {
            startContainer(name, containerId, scrub);
        } catch (EngineException failure) {
            removeAfterFailure(containerId, failure);
            throw failure;
        }
        return containerId;
    }

    /**
     * Reuses the network {@code network} when the engine has one of that exact name on the local
     * {@value #NETWORK_DRIVER} driver and not internal, else creates it ({@code CheckDuplicate}, label
     * {@value #LAUNCHER_LABEL}{@code =1}); a create that loses a race (HTTP 409) re-inspects. Each
     * call has the usual call deadline.
     *
     * @throws EngineException (step {@link LaunchStep#START}) when the engine is unreachable or
     *     refuses, or a network of that name has another driver, scope or is internal (it names the
     *     network and the fix: remove it)
     */
    @Override
    public void ensureNetwork(String network) throws EngineException {
        Optional<JsonNode> existing = inspectNetwork(network);
        if (existing.isEmpty()) {
            EngineHttp.Response r = call(LaunchStep.START, network, "create network", "POST", "/networks/create",
                    networkBody(network), List.of());
            if (r.ok()) return;
            if (r.status() == 409) existing = inspectNetwork(network); // created meanwhile (another launcher, compose)
            if (existing.isEmpty()) {
                throw new EngineException(LaunchStep.START, network, "create network failed: the engine answered HTTP "
                        + r.status() + ": " + engineMessage(r.text(), List.of()),
                        "check the engine's log and its address pools, or create the network by hand: docker network create "
                                + network);
            }
        }
        JsonNode n = existing.get();
        String name = n.path("Name").asText("");
        String driver = n.path("Driver").asText("");
        String scope = n.path("Scope").asText("local");
        boolean internal = n.path("Internal").asBoolean(false);
        if (!name.equals(network) || !driver.equals(NETWORK_DRIVER) || !scope.equals("local") || internal) {
            throw new EngineException(LaunchStep.START, network, "the engine's network " + PullProgress.clean(name)
                    + " does not fit the node: driver " + PullProgress.clean(driver) + ", scope " + PullProgress.clean(scope)
                    + (internal ? ", internal" : "") + " (the node needs a local, non-internal " + NETWORK_DRIVER + " network "
                    + network + ")",
                    "remove it (docker network rm " + network + ") so the launcher creates it, then launch again");
        }
    }

    private Optional<JsonNode> inspectNetwork(String network) throws EngineException {
        EngineHttp.Response r = call(LaunchStep.START, network, "inspect network", "GET",
                "/networks/" + path(network), null, List.of());
        if (r.status() == 404) return Optional.empty();
        if (!r.ok()) throw httpError(LaunchStep.START, network, "inspect network", r, List.of());
        return Optional.of(json(LaunchStep.START, network, "inspect network", r));
    }

    /** The {@code POST /networks/create} body: a user-defined bridge, as compose's project network. */
    static byte[] networkBody(String network) {
        ObjectNode root = JSON.createObjectNode().put("Name", network).put("Driver", NETWORK_DRIVER)
                .put("CheckDuplicate", true); // engines before API 1.44 otherwise allow a second one of that name
        root.putObject("Labels").put(LAUNCHER_LABEL, "1");
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code POST /containers/create} body (Engine API ContainerConfig with HostConfig and NetworkingConfig). */
    static byte[] createBody(ContainerSpec spec, ImageDigest imageId) throws EngineException {
        ObjectNode root = JSON.createObjectNode();
        root.put("Image", imageId.toString());
        if (!spec.command().isEmpty()) strings(root.putArray("Cmd"), spec.command());
        strings(root.putArray("Env"), spec.env().stream().map(EnvVar::toEngine).toList());
        ObjectNode exposed = root.putObject("ExposedPorts");
        spec.ports().forEach(p -> exposed.putObject(p.container() + "/tcp"));
        ObjectNode labels = root.putObject("Labels");
        labels.put(LAUNCHER_LABEL, "1");
        labels.put(IMAGE_ID_LABEL, imageId.toString());
        spec.labels().forEach(labels::put);
        labels.put(SPEC_LABEL, spec.fingerprint().toString());

        ObjectNode hostConfig = root.putObject("HostConfig");
        ObjectNode bindings = hostConfig.putObject("PortBindings");
        for (PortMapping p : spec.ports()) {
            ArrayNode list = bindings.has(p.container() + "/tcp")
                    ? (ArrayNode) bindings.get(p.container() + "/tcp") : bindings.putArray(p.container() + "/tcp");
            // empty HostIp: every address, IPv6 too, as compose's "H:C"
            list.addObject().put("HostIp", "").put("HostPort", Integer.toString(p.host()));
        }
        strings(hostConfig.putArray("Binds"), spec.mounts().stream().filter(m -> m.kind() == Mount.Kind.BIND)
                .map(m -> m.source() + ":" + m.target() + (m.readOnly() ? ":ro" : ":rw")).toList());
        ArrayNode volumes = hostConfig.putArray("Mounts");
        spec.mounts().stream().filter(m -> m.kind() == Mount.Kind.VOLUME).forEach(m -> volumes.addObject()
                .put("Type", "volume").put("Source", m.source()).put("Target", m.target()).put("ReadOnly", m.readOnly()));
        strings(hostConfig.putArray("SecurityOpt"), spec.securityOpt());
        ObjectNode restart = hostConfig.putObject("RestartPolicy").put("Name", restartPolicy(spec.name(), spec.restartPolicy()));
        if (spec.restartPolicy().name().equals("on-failure")) {
            restart.put("MaximumRetryCount", spec.restartPolicy().maximumRetryCount());
        }
        hostConfig.put("NetworkMode", spec.network());
        root.putObject("NetworkingConfig").putObject("EndpointsConfig").putObject(spec.network());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new EngineException(LaunchStep.START, spec.name(), "could not encode the container settings",
                    "report this as a bug", null);
        }
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /** Stops the deadline timer. */
    @Override
    public void close() {
        http.close();
    }

    private void removeAfterFailure(String nameOrId, EngineException failure) {
        try {
            EngineHttp.Response r = http.exchange("DELETE", "/containers/" + path(nameOrId) + "?force=true&v=false",
                    Map.of(), null, callTimeout);
            if (r.ok() || r.status() == 404) return; // removed, or nothing was left behind
            failure.addSuppressed(new EngineException(LaunchStep.START, nameOrId,
                    "could not remove the half-created container: the engine answered HTTP " + r.status(),
                    "remove the container " + nameOrId + " by hand"));
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(new EngineException(LaunchStep.START, nameOrId,
                    "could not remove the half-created container: " + summary(e, List.of()),
                    "remove the container " + nameOrId + " by hand"));
        }
    }

    /** {@code X-Registry-Auth}: base64url of the JSON auth config; always sent, {@code {}} when anonymous. */
    private static String authHeader(ValidatedImage image, Optional<RegistryCredentials> credentials) {
        ObjectNode auth = JSON.createObjectNode();
        credentials.ifPresent(c -> auth.put("username", c.username()).put("password", c.password())
                .put("serveraddress", image.reference().registry()));
        return Base64.getUrlEncoder().encodeToString(auth.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String restartPolicy(String name, RestartPolicy policy) throws EngineException {
        return switch (policy.name()) {
            case "no", "always", "unless-stopped", "on-failure" -> policy.name();
            default -> throw new EngineException(LaunchStep.START, name,
                    "unknown restart policy: " + PullProgress.clean(policy.name()),
                    "use no, on-failure, always or unless-stopped");
        };
    }

    /** One buffered call, every failure to get an answer mapped to the launch error naming it. */
    private EngineHttp.Response call(LaunchStep step, String input, String action, String method, String target,
                                     byte[] body, List<String> scrub) throws EngineException {
        try {
            return http.exchange(method, target, Map.of(), body, callTimeout);
        } catch (IOException | RuntimeException e) {
            throw transportError(step, input, action, e, scrub);
        }
    }

    private JsonNode json(LaunchStep step, String input, String action, EngineHttp.Response r) throws EngineException {
        try {
            JsonNode node = JSON.readTree(r.body());
            if (node != null && node.isObject()) return node;
        } catch (IOException | RuntimeException notJson) {
            // reported below
        }
        throw new EngineException(step, input, action + " failed: the engine's answer is not a JSON object",
                "check that " + host + " is a Docker engine");
    }

    private static JsonNode parse(byte[] message) {
        try {
            JsonNode node = JSON.readTree(message);
            return node != null && node.isObject() ? node
                    : JSON.createObjectNode().put("error", "not a JSON object: " + new String(message, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return JSON.createObjectNode().put("error", "not JSON: " + new String(message, StandardCharsets.UTF_8));
        }
    }

    /**
     * A pull error a retry cannot mend: the registry has no such manifest or repository, refuses the
     * credentials, or served bytes that do not match the digest. The engine gives these only as text
     * (the registry's error codes, e.g. {@code manifest unknown}, {@code unauthorized}, {@code denied}).
     */
    static boolean permanentPullError(String message) {
        String m = message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("manifest unknown") || m.contains("name unknown") || m.contains("not found")
                || m.contains("unauthorized") || m.contains("authentication required") || m.contains("denied")
                || m.contains("forbidden") || m.contains("digest") || m.contains("invalid reference");
    }

    /** An answer other than the expected one. */
    private EngineException httpError(LaunchStep step, String input, String action, EngineHttp.Response r,
                                      List<String> scrub) {
        String problem = action + " failed: the engine answered HTTP " + r.status() + ": " + engineMessage(r.text(), scrub);
        String fix = step == LaunchStep.PULL
                ? "check the image reference, the registry and its credentials"
                : r.status() == 404
                        ? "pull the validated image into this engine before starting it"
                        : "check the container settings (ports, mounts, security options) and the engine's log";
        return new EngineException(step, input, problem, fix);
    }

    /** No (complete) answer: a deadline passed, or the engine could not be reached. */
    private EngineException transportError(LaunchStep step, String input, String action, Exception e, List<String> scrub) {
        // a transport failure carries no engine answer, hence no environment value
        if (e instanceof EngineHttp.DeadlineExceeded d && d.connect) {
            return new EngineException(step, input,
                    action + " failed: could not connect to the engine at " + host + " within " + human(d.limit)
                            + " (connect timeout)",
                    "check that dockerd at " + host + " is running and accepting connections (its log, load), then launch again", e);
        }
        if (e instanceof EngineHttp.DeadlineExceeded d) {
            return new EngineException(step, input,
                    action + " failed: the engine at " + host + " did not answer within " + human(d.limit)
                            + (d.silence ? " (no progress message)" : " (deadline of one engine call)"),
                    "check that dockerd at " + host + " is healthy (its log, load, disk), then launch again", e);
        }
        return new EngineException(step, input,
                action + " failed: cannot talk to the container engine at " + host + ": " + summary(e, scrub),
                UNREACHABLE_FIX, e);
    }

    /** The {@code message} of the engine's JSON error body, scrubbed and capped. */
    private static String engineMessage(String body, List<String> scrub) {
        String text = body;
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

    /** Path segment: the engine's router takes image references with their {@code /}, {@code :} and {@code @}. */
    private static String path(String segment) {
        StringBuilder out = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/:@".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
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


    /** {@code "250 ms"} below a second, else {@code "60 s"}. */
    private static String human(Duration d) {
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

}
