package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.dockerjava.api.DockerClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;
import org.dstack4j.e2e.HostileRegistry.Reply;
import org.dstack4j.e2e.HostileRegistry.Request;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageIndex;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.ImageValidator;
import org.dstack4j.launcher.registry.RegistryOptions;
import org.dstack4j.launcher.registry.RetryPolicy;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hostile registry speaking HTTP ({@link HostileRegistry}) against the launcher's registry step:
 * every case through {@link ImageValidator} in-process (exact failure, within the retry bound, no
 * token in the log), and the cases marked {@code cli} also end to end through the CLI jar in TEE mode
 * with a real dockerd and our agent: exit 1 naming the registry, no container created (a running
 * {@code mpc-node} is left untouched), RTMR3 not extended.
 */
@ExtendWith({PrivateDockerdExtension.class, SecretsNeverLeak.class})
class HostileRegistryTest {
    static final Duration VALIDATOR_BOUND = Duration.ofSeconds(15);
    static final Duration CLI_BOUND = Duration.ofSeconds(60);
    static final String NAME = HostileLaunch.NAME;
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String V2 = "application/vnd.docker.distribution.manifest.v2+json";

    static PrivateDockerd dockerd;
    static DockerClient docker;
    static AgentProcess agent;
    static HostileRegistry registry;
    static OciImage good;
    static OciImage other;
    static OciImageIndex multi;
    static OciImage multiAmd64;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start(PrivateDockerd engine) throws Exception {
        LaunchOutputs.plant(HostileRegistry.TOKEN);
        dockerd = engine;
        docker = engine.client();
        registry = HostileRegistry.start();
        OciImageBuilder builder = OciImageBuilder.fromHostBusybox();
        good = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("hostile-good"));
        other = builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("hostile-other"));
        multi = builder.amd64WithArm64Decoy(OciImage.Format.OCI, "hostile-multi");
        multiAmd64 = multi.platform("linux", "amd64");
        OciImageIndex armOnly = OciImageBuilder.index(OciImage.Format.OCI,
                List.of(builder.image(OciImage.Format.OCI, OciImageSpec.arm64Decoy("hostile-arm"))));
        registry.publish(NAME, good, "latest", "good");
        registry.publish(NAME, other, "other");
        registry.publish(NAME, multi, "multi");
        registry.publish(NAME, armOnly, "armonly");
        registry.putManifest(NAME, "nested", index(OCI_INDEX, multi.index().digest(), multi.index().size()));
        registry.putManifest(NAME, "badsize", index(OCI_MANIFEST, multiAmd64.manifestDigest(), multiAmd64.manifest().size() + 1));
        registry.putManifest(NAME, "badtype", index(V2, multiAmd64.manifestDigest(), multiAmd64.manifest().size()));
        registry.putManifest(NAME, "baddigest", index(OCI_MANIFEST, "sha256:not-a-digest", 10));
        registry.putManifest(NAME, "dangling", index(OCI_MANIFEST, "sha256:" + "e".repeat(64), 10));
        // JSON escapes: the registry's strings carry a terminal escape and a Unicode line separator
        registry.putManifest(NAME, "escdigest", index(OCI_MANIFEST, "sha256:\\u001b[2J\\u2028x", 10));
        registry.putManifest(NAME, "escmedia", new OciImage.Blob("application/json",
                "{\"schemaVersion\":2,\"mediaType\":\"application/\\u001b[31mevil\"}".getBytes(StandardCharsets.UTF_8)));
        agent = AgentProcess.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) registry.close();
        if (agent != null) agent.close();
    }

    @AfterEach
    void reset() {
        registry.script(r -> Reply.SERVE);
    }

    /** One hostile registry behaviour and the exact failure it must cause. */
    record RegistryCase(String name, String tags, Function<Request, Reply> script, Function<HostileRegistry, String> input,
                        String fragment, boolean cli) {
        @Override
        public String toString() {
            return name;
        }

        ImageDigest selected() {
            return ImageDigest.parse(tags.contains("multi") || List.of("nested", "badsize", "badtype", "baddigest", "dangling", "escdigest").contains(tags)
                    ? multiAmd64.imageId() : good.imageId()).orElseThrow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validatorFailsClosed(RegistryCase c) {
        registry.script(c.script());
        List<String> log = new CopyOnWriteArrayList<>();
        ImageValidator validator = new ImageValidator(RegistryOptions.defaults(
                new RetryPolicy(Duration.ofSeconds(1), Duration.ofMillis(50), 2)));
        ImageReference ref = new ImageReference(registry.hostPort(), NAME, Arrays.asList(c.tags().split(",")));
        Throwable thrown = assertTimeoutPreemptively(VALIDATOR_BOUND, () -> {
            try {
                validator.validate(ref, c.selected(), log::add);
                return null;
            } catch (RegistryException e) {
                return e;
            }
        }, "validation must end within its retry bound");
        assertThat(thrown).as("validation must fail").isInstanceOf(RegistryException.class);
        RegistryException e = (RegistryException) thrown;
        assertThat(e.step()).isEqualTo(LaunchStep.REGISTRY);
        assertThat(e.input()).isEqualTo(c.input().apply(registry));
        assertThat(e.getMessage()).contains(c.fragment());
        for (String text : List.of(e.getMessage(), e.oneLine())) {
            assertThat(text.chars()).as("no control, format or separator character from the registry: %s", text).noneMatch(ch -> {
                int type = Character.getType(ch);
                return type == Character.CONTROL || type == Character.FORMAT
                        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
            });
        }
        String everything = String.join("\n", log) + "\n" + e.oneLine();
        assertThat(everything).doesNotContain(HostileRegistry.TOKEN);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cliCases")
    void launchFailsClosed(RegistryCase c) throws Exception {
        HostileLaunch launch = new HostileLaunch(dockerd, docker, agent, tmp);
        launch.approved(c.selected().toString());
        launch.userConfig(registry.hostPort(), c.tags());
        HostileLaunch.Before before = launch.before();
        registry.script(c.script());

        Cli.Result r = launch.launch("TEE", CLI_BOUND);

        launch.assertFailedClosed(r, before, "registry", c.input().apply(registry), c.fragment());
        assertThat(registry.requests()).as("the engine was never asked to pull").noneMatch(Request::fromEngine);
    }

    static Stream<RegistryCase> cliCases() {
        return cases().filter(RegistryCase::cli);
    }

    static Stream<RegistryCase> cases() {
        Function<HostileRegistry, String> self = HostileRegistry::hostPort;
        Function<HostileRegistry, String> repository = h -> h.hostPort() + "/" + NAME;
        Map<String, String> v2 = Map.of("Content-Type", V2);
        byte[] goodBytes = good.manifest().content();
        return Stream.of(
                // content that does not match its digest
                new RegistryCase("index entry bytes do not hash to the digest the index names", "multi",
                        r -> r.path().endsWith("/manifests/" + multiAmd64.manifestDigest())
                                ? new Reply.Bytes(200, Map.of("Content-Type", OCI_MANIFEST), other.manifest().content()) : Reply.SERVE,
                        self, "the bytes received hash to", true),
                new RegistryCase("Docker-Content-Digest names another manifest", "latest",
                        onTag("latest", new Reply.Bytes(200, Map.of("Content-Type", V2, "Docker-Content-Digest", other.manifestDigest()), goodBytes)),
                        self, "Docker-Content-Digest " + other.manifestDigest() + " but the bytes received hash to", true),
                new RegistryCase("Docker-Content-Digest in sha512", "latest",
                        onTag("latest", new Reply.Bytes(200, Map.of("Content-Type", V2, "Docker-Content-Digest", "sha512:" + "ab".repeat(64)), goodBytes)),
                        self, "Docker-Content-Digest is not sha256:<64 hex>", false),
                // wrong types and shapes
                new RegistryCase("text/html instead of a manifest", "latest",
                        onTag("latest", new Reply.Bytes(200, Map.of("Content-Type", "text/html"), goodBytes)), self, "is not an acceptable manifest", true),
                new RegistryCase("Content-Type says index, body is an image manifest", "latest",
                        onTag("latest", new Reply.Bytes(200, Map.of("Content-Type", OCI_INDEX), goodBytes)), self, "is not an acceptable manifest", false),
                new RegistryCase("not JSON", "latest", onTag("latest", new Reply.Bytes(200, v2, "<html>hi</html>".getBytes(StandardCharsets.UTF_8))),
                        self, "not valid JSON", false),
                new RegistryCase("schema 1 manifest", "latest", onTag("latest", new Reply.Bytes(200,
                                Map.of("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws"),
                                "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"latest\"}".getBytes(StandardCharsets.UTF_8))),
                        self, "is not an acceptable manifest", false),
                new RegistryCase("JSON nested 100000 deep", "latest", onTag("latest", new Reply.Bytes(200, v2, "[".repeat(100_000).getBytes(StandardCharsets.UTF_8))),
                        self, "is not an acceptable manifest", false),
                // size and time bounds
                new RegistryCase("5 MiB manifest with Content-Length", "latest", onTag("latest", new Reply.Bytes(200, v2, new byte[5 << 20])),
                        self, "response body larger than 4194304 bytes", true),
                new RegistryCase("manifest streamed past 4 MiB (chunked)", "latest", onTag("latest", new Reply.Drip(200, v2, new byte[5 << 20])),
                        self, "response body larger than 4194304 bytes", false),
                new RegistryCase("endless slow manifest body", "latest", onTag("latest", new Reply.Drip(200, v2, "{".getBytes(StandardCharsets.UTF_8))),
                        self, "failed after 2 attempt(s): no complete response within", true),
                new RegistryCase("manifest answer never comes", "latest", onTag("latest", new Reply.Hang()),
                        self, "failed after 2 attempt(s): no complete response within", false),
                new RegistryCase("HTTP 500 forever", "latest", onTag("latest", Reply.json(500, "{}")), self, "failed after 2 attempt(s): HTTP 500", false),
                new RegistryCase("HTTP 429 forever", "latest", onTag("latest", Reply.json(429, "{}")), self, "failed after 2 attempt(s): HTTP 429", false),
                new RegistryCase("HTTP 403 on the tag", "latest", onTag("latest", Reply.json(403, "{}")), self, "answered HTTP 403 for tag latest", false),
                // redirects
                new RegistryCase("redirect loop", "latest", r -> r.isManifest() ? Reply.status(302, Map.of("Location", r.path())) : Reply.SERVE,
                        self, "more than 5 redirects", true),
                new RegistryCase("redirect to file:///etc/passwd", "latest", onTag("latest", Reply.status(302, Map.of("Location", "file:///etc/passwd"))),
                        h -> "file:///etc/passwd", "is not an absolute http(s) URL", false),
                new RegistryCase("redirect to plain http on a public address", "latest",
                        onTag("latest", Reply.status(307, Map.of("Location", "http://203.0.113.7/v2/x/manifests/latest"))),
                        h -> "203.0.113.7", "uses plain http to a non-loopback host", false),
                new RegistryCase("redirect without Location", "latest", onTag("latest", Reply.status(302, Map.of())),
                        self, "without a valid Location", false),
                // authentication
                new RegistryCase("401 forever although a token was issued", "latest",
                        r -> r.isManifest() ? Reply.status(401, Map.of("WWW-Authenticate", registry.bearerChallenge(NAME))) : Reply.SERVE,
                        self, "still answered 401 for manifest latest after authenticating", true),
                new RegistryCase("401 without a challenge", "latest", onTag("latest", Reply.status(401, Map.of())),
                        self, "without a WWW-Authenticate challenge", false),
                new RegistryCase("unterminated quoted realm", "latest",
                        onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1/token"))),
                        self, "malformed WWW-Authenticate header", true),
                new RegistryCase("realm given twice", "latest",
                        onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Bearer realm=\"" + "http://a/t" + "\",realm=\"http://b/t\""))),
                        self, "malformed WWW-Authenticate header", false),
                new RegistryCase("only Negotiate offered", "latest", onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Negotiate"))),
                        self, "offers no supported auth scheme", false),
                new RegistryCase("Basic demanded without configured credentials", "latest",
                        onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Basic realm=\"hostile\""))),
                        self, "requires credentials (Basic authentication)", false),
                new RegistryCase("Bearer without realm", "latest", onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Bearer service=\"x\""))),
                        self, "Bearer challenge without realm", false),
                new RegistryCase("relative realm", "latest", onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Bearer realm=\"/token\""))),
                        self, "not an absolute URL", false),
                new RegistryCase("realm over plain http to a public host", "latest",
                        onTag("latest", Reply.status(401, Map.of("WWW-Authenticate", "Bearer realm=\"http://203.0.113.7/token\""))),
                        h -> "203.0.113.7", "uses plain http to a non-loopback host", false),
                new RegistryCase("token endpoint HTTP 500", "latest", tokenFlow(Reply.json(500, "{}")), self, "failed after 2 attempt(s): HTTP 500", true),
                new RegistryCase("token endpoint answers HTML", "latest", tokenFlow(new Reply.Bytes(200, Map.of(), "<h1>hi</h1>".getBytes(StandardCharsets.UTF_8))),
                        self, "answered something other than a JSON object", false),
                new RegistryCase("token endpoint JSON without a token", "latest", tokenFlow(Reply.json(200, "{\"expires_in\":300}")),
                        self, "without a token or access_token", false),
                new RegistryCase("token endpoint empty token", "latest", tokenFlow(Reply.json(200, "{\"token\":\"\"}")),
                        self, "without a token or access_token", false),
                new RegistryCase("token endpoint numeric token", "latest", tokenFlow(Reply.json(200, "{\"token\":12345}")),
                        self, "without a token or access_token", false),
                new RegistryCase("token endpoint never answers", "latest", tokenFlow(new Reply.Hang()),
                        self, "failed after 2 attempt(s): no complete response within", true),
                new RegistryCase("token with a CRLF header injection", "latest",
                        tokenFlow(Reply.json(200, "{\"token\":\"" + HostileRegistry.TOKEN + "\\r\\nX-Evil: 1\"}")),
                        self, "characters not allowed in a header", false),
                new RegistryCase("token endpoint HTTP 401", "latest", tokenFlow(Reply.json(401, "{}")), self, "refused the token request (HTTP 401)", false),
                new RegistryCase("token endpoint 5 MiB answer", "latest", tokenFlow(new Reply.Bytes(200, Map.of(), new byte[5 << 20])),
                        self, "response body larger than", false),
                new RegistryCase("token endpoint redirect loop", "latest", tokenFlow(Reply.status(302, Map.of("Location", "/token"))),
                        self, "more than 5 redirects", false),
                // the image is not there
                new RegistryCase("index without linux/amd64", "armonly", r -> Reply.SERVE, repository, "Image hash not found among tags", true),
                new RegistryCase("tag serves another image's config digest", "other", r -> Reply.SERVE, repository, "Image hash not found among tags", true),
                new RegistryCase("every tag 404", "nope1,nope2", r -> Reply.SERVE, repository, "Image hash not found among tags", false),
                new RegistryCase("linux/amd64 entry is itself an index", "nested", r -> Reply.SERVE, self, "nested indexes are not followed", false),
                new RegistryCase("linux/amd64 entry declares the wrong size", "badsize", r -> Reply.SERVE, self,
                        "declares " + (multiAmd64.manifest().size() + 1) + " bytes but " + multiAmd64.manifest().size() + " were served", false),
                new RegistryCase("linux/amd64 entry declares another media type", "badtype", r -> Reply.SERVE, self,
                        "declares " + V2 + " but the registry served " + OCI_MANIFEST, false),
                new RegistryCase("linux/amd64 entry digest malformed", "baddigest", r -> Reply.SERVE, self, "sha256:not-a-digest", false),
                new RegistryCase("linux/amd64 entry digest with a terminal escape and a line separator", "escdigest", r -> Reply.SERVE, self,
                        "linux/amd64 entry digest is not sha256:<64 hex>: sha256:\\u001b[2J\\u2028x", false),
                new RegistryCase("manifest mediaType with a terminal escape", "escmedia", r -> Reply.SERVE, self,
                        "unsupported mediaType application/\\u001b[31mevil", false),
                new RegistryCase("linux/amd64 entry missing from the registry", "dangling", r -> Reply.SERVE, self,
                        "answered HTTP 404 for manifest sha256:" + "e".repeat(64), false));
    }

    /** The launcher's manifest request for {@code tag} gets {@code reply}; everything else is served normally. */
    static Function<Request, Reply> onTag(String tag, Reply reply) {
        return r -> r.path().equals("/v2/" + NAME + "/manifests/" + tag) ? reply : Reply.SERVE;
    }

    /** Manifests demand a Bearer token (until one is presented); the token endpoint answers {@code token}. */
    static Function<Request, Reply> tokenFlow(Reply token) {
        return r -> {
            if (r.isToken()) return token;
            if (r.isManifest() && !r.headers().getOrDefault("authorization", "").startsWith("Bearer ")) {
                return Reply.status(401, Map.of("WWW-Authenticate", registry.bearerChallenge(NAME)));
            }
            return Reply.SERVE;
        };
    }

    /** An OCI index with one linux/amd64 entry. */
    static OciImage.Blob index(String entryMediaType, String digest, long size) {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\"" + entryMediaType
                + "\",\"digest\":\"" + digest + "\",\"size\":" + size + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        return new OciImage.Blob(OCI_INDEX, json.getBytes(StandardCharsets.UTF_8));
    }
}
