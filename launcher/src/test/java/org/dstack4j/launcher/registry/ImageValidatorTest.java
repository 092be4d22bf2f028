package org.dstack4j.launcher.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.dstack4j.launcher.registry.Manifests.image;
import static org.dstack4j.launcher.registry.Manifests.index;
import static org.dstack4j.launcher.registry.Manifests.randomDigest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ImageValidatorTest {
    private static final String NAME = "nearone/mpc-node";
    private static final String MANIFESTS = "/v2/" + NAME + "/manifests/";

    private FakeRegistry registry;
    private final List<Duration> delays = Collections.synchronizedList(new ArrayList<>());
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final ImageDigest selected = randomDigest();

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private RegistryOptions options(RetryPolicy policy) {
        return RegistryOptions.defaults(policy);
    }

    private RegistryOptions options() {
        return options(new RetryPolicy(Duration.ofSeconds(5), Duration.ofMillis(100), 3));
    }

    private ImageReference ref(String... tags) {
        return new ImageReference(registry.authority(), NAME, List.of(tags));
    }

    private ValidatedImage validate(RegistryOptions options, ImageReference ref) throws RegistryException {
        return new ImageValidator(options, delays::add).validate(ref, selected, log::add);
    }

    private ValidatedImage validate(ImageReference ref) throws RegistryException {
        return validate(options(), ref);
    }

    private RegistryException failure(RegistryOptions options, ImageReference ref) {
        try {
            ValidatedImage unexpected = validate(options, ref);
            throw new AssertionError("expected a RegistryException, got " + unexpected);
        } catch (RegistryException e) {
            assertThat(e.step()).isEqualTo(LaunchStep.REGISTRY);
            return e;
        }
    }

    private RegistryException failure(ImageReference ref) {
        return failure(options(), ref);
    }

    // ---- manifests and matching

    @Test
    void anonymousOciManifestMatches() throws Exception {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        ImageDigest manifestDigest = registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, body);

        ValidatedImage result = validate(ref("latest"));

        assertThat(result.tag()).isEqualTo("latest");
        assertThat(result.manifestDigest()).isEqualTo(manifestDigest);
        assertThat(result.imageId()).isEqualTo(selected);
        assertThat(result.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(result.pullReference()).isEqualTo(registry.authority() + "/" + NAME + "@" + manifestDigest);
        FakeRegistry.Request request = registry.requests().getFirst();
        assertThat(request.header("Accept")).contains(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
                MediaTypes.DOCKER_LIST, MediaTypes.DOCKER_MANIFEST);
        assertThat(request.header("Authorization")).isNull();
        assertThat(request.header("User-Agent")).isEqualTo(RegistryOptions.DEFAULT_USER_AGENT);
        assertThat(delays).isEmpty();
        assertThat(log).anyMatch(l -> l.contains("tag latest") && l.contains(manifestDigest.toString()) && l.contains(MediaTypes.OCI_MANIFEST));
    }

    // ---- approved digest = manifest digest (today's MPC network)

    private ValidatedImage validateDigest(ImageDigest approved, ImageReference ref) throws RegistryException {
        return new ImageValidator(options(), delays::add).validateManifestFirst(ref, approved, log::add);
    }

    @Test
    void approvedManifestDigestIsProvedByFetchingItByDigest() throws Exception {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        ImageDigest manifest = registry.serveManifest(NAME, null, MediaTypes.OCI_MANIFEST, body);

        ValidatedImage result = validateDigest(manifest, ref("latest"));

        assertThat(result.kind()).isEqualTo(DigestKind.MANIFEST);
        assertThat(result.manifestDigest()).isEqualTo(manifest);
        assertThat(result.approvedDigest()).isEqualTo(manifest);
        assertThat(result.imageId()).isEqualTo(selected);
        assertThat(result.pullReference()).isEqualTo(registry.authority() + "/" + NAME + "@" + manifest);
        // proved by digest alone: no tag was consulted
        assertThat(registry.requests()).extracting(FakeRegistry.Request::path).containsExactly(MANIFESTS + manifest);
        assertThat(log).anyMatch(l -> l.contains("is a manifest digest"));
    }

    @Test
    void approvedIndexDigestResolvesLinuxAmd64() throws Exception {
        ImageDigest armConfig = randomDigest();
        byte[] amd64 = image(MediaTypes.OCI_MANIFEST, selected);
        byte[] arm64 = image(MediaTypes.OCI_MANIFEST, armConfig);
        registry.serveManifest(NAME, null, MediaTypes.OCI_MANIFEST, amd64);
        registry.serveManifest(NAME, null, MediaTypes.OCI_MANIFEST, arm64);
        byte[] indexBody = index(MediaTypes.OCI_INDEX, List.of(
                Manifests.Entry.of(MediaTypes.OCI_MANIFEST, arm64, "linux", "arm64"),
                Manifests.Entry.of(MediaTypes.OCI_MANIFEST, amd64, "linux", "amd64")));
        ImageDigest indexDigest = registry.serveManifest(NAME, null, MediaTypes.OCI_INDEX, indexBody);

        ValidatedImage result = validateDigest(indexDigest, ref("latest"));

        assertThat(result.kind()).isEqualTo(DigestKind.MANIFEST);
        assertThat(result.manifestDigest()).isEqualTo(indexDigest); // the engine pulls the index by its digest
        assertThat(result.imageId()).isEqualTo(selected);           // and must end with the amd64 image
        assertThat(result.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    }

    @Test
    void approvedIndexWithoutLinuxAmd64FailsClosed() {
        byte[] arm64 = image(MediaTypes.OCI_MANIFEST, selected);
        registry.serveManifest(NAME, null, MediaTypes.OCI_MANIFEST, arm64);
        ImageDigest indexDigest = registry.serveManifest(NAME, "latest", MediaTypes.OCI_INDEX,
                index(MediaTypes.OCI_INDEX, List.of(Manifests.Entry.of(MediaTypes.OCI_MANIFEST, arm64, "linux", "arm64"))));

        RegistryException e = assertThrowsRegistry(() -> validateDigest(indexDigest, ref("latest")));

        assertThat(e.getMessage()).contains("manifest " + indexDigest).contains("no linux/amd64 entry");
    }

    @Test
    void bytesServedByDigestThatHashElsewhereAreAnAttack() {
        ImageDigest approved = randomDigest();
        byte[] other = image(MediaTypes.OCI_MANIFEST, selected);
        registry.route(MANIFESTS + approved, ex -> FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, other, null));

        RegistryException e = assertThrowsRegistry(() -> validateDigest(approved, ref("latest")));

        assertThat(e.getMessage()).contains("hash to " + ImageDigest.of(other)).contains("not the requested " + approved);
        assertThat(registry.count(MANIFESTS + "latest")).isZero(); // an attack: no fallback to the tag search
    }

    @Test
    void digestServedNeitherAsManifestNorUnderATagIsNotFound() {
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, randomDigest()));

        RegistryException e = failure(ref("latest"));

        assertThat(e.getMessage()).contains("Image hash not found among tags").contains("serves no manifest " + selected);
        // tags first (.env), then the digest itself
        assertThat(registry.requests()).extracting(FakeRegistry.Request::path).containsExactly(MANIFESTS + "latest", MANIFESTS + selected);
    }

    @Test
    void envOrderFindsAManifestDigestAfterTheTags() throws Exception {
        ImageDigest manifest = registry.serveManifest(NAME, null, MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = new ImageValidator(options(), delays::add).validate(ref("latest"), manifest, log::add);

        assertThat(result.kind()).isEqualTo(DigestKind.MANIFEST);
        assertThat(registry.requests()).extracting(FakeRegistry.Request::path).containsExactly(MANIFESTS + "latest", MANIFESTS + manifest);
    }

    @Test
    void manifestFirstOrderFallsBackToTheTagsWhenTheRegistryFailsTheProbe() throws Exception {
        // docker-registry answers 500 for manifests/<a config blob's digest>
        registry.route(MANIFESTS + selected, ex -> FakeRegistry.respondJson(ex, 500, "{}"));
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = validateDigest(selected, ref("latest"));

        assertThat(result.kind()).isEqualTo(DigestKind.IMAGE_ID);
        assertThat(result.tag()).isEqualTo("latest");
    }

    private static RegistryException assertThrowsRegistry(org.junit.jupiter.api.function.ThrowingSupplier<ValidatedImage> call) {
        try {
            ValidatedImage unexpected = call.get();
            throw new AssertionError("expected a RegistryException, got " + unexpected);
        } catch (RegistryException e) {
            return e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Test
    void dockerV2ManifestMatches() throws Exception {
        ImageDigest manifestDigest = registry.serveManifest(NAME, "v1", MediaTypes.DOCKER_MANIFEST, image(MediaTypes.DOCKER_MANIFEST, selected));

        ValidatedImage result = validate(ref("v1"));

        assertThat(result.manifestDigest()).isEqualTo(manifestDigest);
        assertThat(result.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    }

    @Test
    void ociIndexPicksLinuxAmd64AfterArm64Decoy() throws Exception {
        assertIndexPicksAmd64(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST);
    }

    @Test
    void dockerManifestListPicksLinuxAmd64AfterArm64Decoy() throws Exception {
        assertIndexPicksAmd64(MediaTypes.DOCKER_LIST, MediaTypes.DOCKER_MANIFEST);
    }

    private void assertIndexPicksAmd64(String indexType, String manifestType) throws Exception {
        // the arm64 decoy has the selected config digest too: following it would be a wrong answer
        byte[] arm = image(manifestType, selected);
        byte[] amd = image(manifestType, selected);
        ImageDigest armDigest = registry.serveManifest(NAME, null, manifestType, arm);
        ImageDigest amdDigest = registry.serveManifest(NAME, null, manifestType, amd);
        registry.serveManifest(NAME, "latest", indexType, index(indexType, List.of(
                Manifests.Entry.of(manifestType, arm, "linux", "arm64"),
                Manifests.Entry.of(manifestType, amd, "linux", "amd64"))));

        ValidatedImage result = validate(ref("latest"));

        assertThat(result.manifestDigest()).isEqualTo(amdDigest);
        assertThat(result.mediaType()).isEqualTo(manifestType);
        assertThat(registry.count(MANIFESTS + armDigest)).isZero();
        assertThat(registry.count(MANIFESTS + amdDigest)).isEqualTo(1);
    }

    @Test
    void indexWithoutLinuxAmd64MovesToNextTag() throws Exception {
        byte[] arm = image(MediaTypes.OCI_MANIFEST, selected);
        registry.serveManifest(NAME, null, MediaTypes.OCI_MANIFEST, arm);
        registry.serveManifest(NAME, "arm", MediaTypes.OCI_INDEX,
                index(MediaTypes.OCI_INDEX, List.of(Manifests.Entry.of(MediaTypes.OCI_MANIFEST, arm, "linux", "arm64"))));
        ImageDigest good = registry.serveManifest(NAME, "good", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = validate(ref("arm", "good"));

        assertThat(result.tag()).isEqualTo("good");
        assertThat(result.manifestDigest()).isEqualTo(good);
    }

    @Test
    void firstTagMissingSecondMatches() throws Exception {
        registry.serveManifest(NAME, "second", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = validate(ref("first", "second"));

        assertThat(result.tag()).isEqualTo("second");
        assertThat(registry.requests()).extracting(FakeRegistry.Request::path)
                .containsExactly(MANIFESTS + "first", MANIFESTS + "second");
    }

    @Test
    void firstTagOtherImageSecondMatches() throws Exception {
        registry.serveManifest(NAME, "first", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, randomDigest()));
        ImageDigest good = registry.serveManifest(NAME, "second", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));
        registry.serveManifest(NAME, "third", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = validate(ref("first", "second", "third"));

        assertThat(result.tag()).isEqualTo("second");
        assertThat(result.manifestDigest()).isEqualTo(good);
        assertThat(registry.count(MANIFESTS + "third")).isZero();
    }

    @Test
    void configDigestOfAnotherImageDoesNotMatch() {
        ImageDigest other = randomDigest();
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, other));

        RegistryException e = failure(ref("latest"));

        assertThat(e.getMessage()).startsWith("Image hash not found among tags.").contains(selected.toString());
        assertThat(log).anyMatch(l -> l.contains(other.toString()));
    }

    @Test
    void noTagMatchesNamesTagsTried() {
        registry.serveManifest(NAME, "a", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, randomDigest()));

        RegistryException e = failure(ref("a", "b"));

        assertThat(e.getMessage()).startsWith("Image hash not found among tags.").contains("[a, b]");
        assertThat(e.input()).isEqualTo(registry.authority() + "/" + NAME);
        assertThat(e.fix()).contains("MPC_IMAGE_TAGS");
    }

    @Test
    void forbiddenTagIsAnErrorNotTheNextTag() {
        registry.route(MANIFESTS + "a", ex -> FakeRegistry.respondJson(ex, 403, "{}"));
        registry.serveManifest(NAME, "b", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        RegistryException e = failure(ref("a", "b"));

        assertThat(e.getMessage()).contains("HTTP 403");
        assertThat(registry.count(MANIFESTS + "b")).isZero();
    }

    @Test
    void indexEntryMissingFromRegistryIsAnError() {
        byte[] amd = image(MediaTypes.OCI_MANIFEST, selected); // listed in the index but never served
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_INDEX,
                index(MediaTypes.OCI_INDEX, List.of(Manifests.Entry.of(MediaTypes.OCI_MANIFEST, amd, "linux", "amd64"))));

        RegistryException e = failure(ref("latest"));

        assertThat(e.getMessage()).contains("HTTP 404").contains(ImageDigest.of(amd).toString());
    }

    // ---- content checks

    @Test
    void manifestBytesNotHashingToRequestedDigestFailClosed() {
        byte[] amd = image(MediaTypes.OCI_MANIFEST, selected);
        ImageDigest listed = ImageDigest.of(amd);
        byte[] swapped = image(MediaTypes.OCI_MANIFEST, selected); // same config, different bytes
        registry.route(MANIFESTS + listed, ex -> FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, swapped, null));
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_INDEX,
                index(MediaTypes.OCI_INDEX, List.of(Manifests.Entry.of(MediaTypes.OCI_MANIFEST, amd, "linux", "amd64"))));
        registry.serveManifest(NAME, "fallback", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        RegistryException e = failure(ref("latest", "fallback"));

        assertThat(e.getMessage()).contains("not the requested " + listed).contains(ImageDigest.of(swapped).toString());
        assertThat(registry.count(MANIFESTS + "fallback")).isZero();
    }

    @Test
    void dockerContentDigestMismatchFailsClosed() {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        ImageDigest lie = randomDigest();
        registry.route(MANIFESTS + "latest", ex -> FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, body, lie.toString()));
        registry.serveManifest(NAME, "fallback", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        RegistryException e = failure(ref("latest", "fallback"));

        assertThat(e.getMessage()).contains("Docker-Content-Digest " + lie).contains(ImageDigest.of(body).toString());
        assertThat(registry.count(MANIFESTS + "fallback")).isZero();
    }

    @Test
    void byTagWithoutDigestHeaderUsesLocalHash() throws Exception {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        registry.route(MANIFESTS + "latest", ex -> FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, body, null));

        assertThat(validate(ref("latest")).manifestDigest()).isEqualTo(ImageDigest.of(body));
    }

    @Test
    void wrongContentTypeIsRejected() {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        registry.route(MANIFESTS + "latest", ex -> FakeRegistry.respond(ex, 200, "text/html", body, null));

        assertThat(failure(ref("latest")).getMessage()).contains("unsupported Content-Type text/html");
    }

    @Test
    void contentTypeDisagreeingWithBodyMediaTypeIsRejected() {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        registry.route(MANIFESTS + "latest", ex -> FakeRegistry.respond(ex, 200, MediaTypes.DOCKER_MANIFEST, body, null));

        assertThat(failure(ref("latest")).getMessage()).contains("but body mediaType " + MediaTypes.OCI_MANIFEST);
    }

    @Test
    void nonJsonBodyIsRejected() {
        byte[] body = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
        registry.route(MANIFESTS + "latest", ex -> FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, body, null));

        assertThat(failure(ref("latest")).getMessage()).contains("not valid JSON");
    }

    @Test
    void oversizeBodyWithContentLengthIsRejected() {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected); // ~400 bytes
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, body);

        RegistryException e = failure(options().withMaxManifestBytes(100), ref("latest"));

        assertThat(e.getMessage()).contains("larger than 100 bytes");
        assertThat(registry.count(MANIFESTS + "latest")).as("not retried").isEqualTo(1);
    }

    @Test
    void oversizeChunkedBodyIsCutOff() {
        registry.route(MANIFESTS + "latest", ex -> {
            ex.getResponseHeaders().set("Content-Type", MediaTypes.OCI_MANIFEST);
            ex.sendResponseHeaders(200, 0); // chunked, no Content-Length
            try (OutputStream out = ex.getResponseBody()) {
                byte[] chunk = new byte[16 * 1024];
                for (int i = 0; i < 64; i++) out.write(chunk); // 1 MiB, over the 64 KiB cap
            }
        });

        RegistryException e = failure(options().withMaxManifestBytes(64 * 1024), ref("latest"));

        assertThat(e.getMessage()).contains("larger than 65536 bytes");
    }

    @Test
    @Timeout(20) // without the body deadline this test would hang, not fail
    void slowEndlessBodyIsBoundedByTheDeadline() {
        registry.route(MANIFESTS + "latest", ex -> {
            ex.getResponseHeaders().set("Content-Type", MediaTypes.OCI_MANIFEST);
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            while (true) { // ends when the client hangs up
                out.write(' ');
                out.flush();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        // 2 s, not less: each attempt must reach the endless body for the body deadline to be what ends it (at 300 ms a
        // loaded machine could time out before the request was served); the body alone never ends
        RetryPolicy tight = new RetryPolicy(Duration.ofSeconds(2), Duration.ofMillis(10), 2);
        long start = System.nanoTime();

        RegistryException e = failure(options(tight), ref("latest"));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(e.getMessage()).contains("failed after 2 attempt(s)").contains("no complete response within 2.000 s");
        assertThat(registry.count(MANIFESTS + "latest")).isEqualTo(2);
    }

    // ---- transport rules

    @Test
    void nonLoopbackRegistryIsReachedOverHttpsUnlessInsecure() throws Exception {
        InetAddress address = nonLoopbackAddress();
        assumeTrue(address != null, "no non-loopback IPv4 address on this machine");
        try (FakeRegistry lan = new FakeRegistry(address)) {
            lan.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));
            ImageReference onLan = new ImageReference(lan.authority(), NAME, List.of("latest"));
            RetryPolicy once = new RetryPolicy(Duration.ofMillis(500), Duration.ZERO, 1);

            // the fake speaks plain http, so the TLS handshake of the https attempt fails (or waits out its 500 ms)
            RegistryException e = failure(options(once), onLan);
            assertThat(e.getMessage()).contains("GET https://" + lan.authority() + "/v2/");

            // the insecure attempt must succeed: 5 s per request, as 500 ms is not always enough on a loaded machine
            RetryPolicy onceAndPatient = new RetryPolicy(Duration.ofSeconds(5), Duration.ZERO, 1);
            ValidatedImage result = validate(options(onceAndPatient).withInsecureRegistries(Set.of(lan.authority())), onLan);
            assertThat(result.tag()).isEqualTo("latest");
        }
    }

    private static InetAddress nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) continue;
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) return a;
            }
        }
        return null;
    }

    @Test
    void expiredCachedTokenIsRefreshedOnce() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        registry.route("/token", ex -> FakeRegistry.respondJson(ex, 200, "{\"token\":\"tok" + issued.incrementAndGet() + "\"}"));
        // tok1 expires while tag "first" is answered: from then on only tok2 is accepted
        AtomicReference<String> accepted = new AtomicReference<>("Bearer tok1");
        registry.route(MANIFESTS + "first", ex -> {
            accepted.set("Bearer tok2");
            FakeRegistry.respondJson(ex, 404, "{}");
        });
        registry.requireAuth(a -> accepted.get().equals(a), "Bearer realm=\"" + registry.url("/token") + "\"");
        registry.serveManifest(NAME, "second", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = validate(ref("first", "second"));

        assertThat(result.tag()).isEqualTo("second");
        assertThat(issued.get()).isEqualTo(2);
        assertThat(registry.requests().stream().filter(r -> r.path().startsWith("/v2/")).map(r -> r.header("Authorization")))
                .containsExactly(null, "Bearer tok1", "Bearer tok1", "Bearer tok2");
    }

    // ---- redirects

    @Test
    void redirectIsFollowedAndAuthorizationDroppedOnOtherHost() throws Exception {
        try (FakeRegistry other = new FakeRegistry()) {
            byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
            other.route("/elsewhere", ex -> FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, body, null));
            registry.requireAuth(a -> ("Basic " + b64("u:p")).equals(a), "Basic realm=\"fake\"");
            registry.route(MANIFESTS + "latest", ex -> {
                ex.getResponseHeaders().set("Location", other.url("/elsewhere"));
                FakeRegistry.respond(ex, 307, null, new byte[0], null);
            });

            ValidatedImage result = validate(options().withCredentials(Map.of(registry.authority(), new RegistryCredentials("u", "p"))), ref("latest"));

            assertThat(result.manifestDigest()).isEqualTo(ImageDigest.of(body));
            assertThat(other.requests()).hasSize(1);
            assertThat(other.requests().getFirst().header("Authorization")).isNull();
        }
    }

    @Test
    void redirectLoopIsBounded() {
        registry.route(MANIFESTS + "latest", ex -> {
            ex.getResponseHeaders().set("Location", MANIFESTS + "latest");
            FakeRegistry.respond(ex, 302, null, new byte[0], null);
        });

        RegistryException e = failure(ref("latest"));

        assertThat(e.getMessage()).contains("more than 5 redirects");
        assertThat(registry.count(MANIFESTS + "latest")).isEqualTo(6);
    }

    @Test
    void redirectToPlainHttpOnNonLoopbackHostIsRefused() {
        registry.route(MANIFESTS + "latest", ex -> {
            ex.getResponseHeaders().set("Location", "http://registry.example.com/v2/x");
            FakeRegistry.respond(ex, 302, null, new byte[0], null);
        });

        RegistryException e = failure(ref("latest"));

        assertThat(e.getMessage()).contains("plain http to a non-loopback host");
        assertThat(e.input()).isEqualTo("registry.example.com");
    }

    // ---- retries

    @Test
    void serviceUnavailableIsRetriedThenSucceeds() throws Exception {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        AtomicInteger calls = new AtomicInteger();
        registry.route(MANIFESTS + "latest", ex -> {
            if (calls.incrementAndGet() <= 2) FakeRegistry.respondJson(ex, 503, "{}");
            else FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, body, null);
        });
        RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(5), Duration.ofSeconds(2), 5);

        ValidatedImage result = validate(options(policy), ref("latest"));

        assertThat(result.manifestDigest()).isEqualTo(ImageDigest.of(body));
        assertThat(calls.get()).isEqualTo(3);
        // no delay before the first attempt: only two sleeps, interval then ×1.5
        assertThat(delays).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    @Test
    void tooManyRequestsIsRetried() throws Exception {
        byte[] body = image(MediaTypes.OCI_MANIFEST, selected);
        AtomicInteger calls = new AtomicInteger();
        registry.route(MANIFESTS + "latest", ex -> {
            if (calls.incrementAndGet() == 1) FakeRegistry.respondJson(ex, 429, "{}");
            else FakeRegistry.respond(ex, 200, MediaTypes.OCI_MANIFEST, body, null);
        });

        validate(ref("latest"));

        assertThat(calls.get()).isEqualTo(2);
        assertThat(delays).containsExactly(Duration.ofMillis(100));
    }

    @Test
    void retryDelaysGrowAndAreCappedAtSixtySeconds() {
        registry.route(MANIFESTS + "latest", ex -> FakeRegistry.respondJson(ex, 500, "{}"));
        RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(5), Duration.ofSeconds(30), 5);

        RegistryException e = failure(options(policy), ref("latest"));

        assertThat(e.getMessage()).contains("failed after 5 attempt(s): HTTP 500");
        assertThat(delays).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(45), Duration.ofSeconds(60), Duration.ofSeconds(60));
        assertThat(registry.count(MANIFESTS + "latest")).isEqualTo(5);
    }

    @Test
    void connectionRefusedIsRetriedMaxAttemptsTimes() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        ImageReference closed = new ImageReference("127.0.0.1:" + port, NAME, List.of("latest"));

        RegistryException e = failure(options(new RetryPolicy(Duration.ofSeconds(2), Duration.ofMillis(100), 3)), closed);

        assertThat(e.getMessage()).contains("failed after 3 attempt(s)").contains("ConnectException");
        assertThat(e.input()).isEqualTo("127.0.0.1:" + port);
        assertThat(delays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(150));
    }

    // ---- auth

    @Test
    void anonymousBearerTokenFlowIsCachedAcrossTags() throws Exception {
        String token = "anon-token-0123456789";
        AtomicInteger tokenCalls = new AtomicInteger();
        registry.route("/token", ex -> {
            tokenCalls.incrementAndGet();
            String query = ex.getRequestURI().getQuery();
            boolean ok = query.contains("service=fake registry") && query.contains("scope=repository:" + NAME + ":pull")
                    && ex.getRequestHeaders().getFirst("Authorization") == null;
            FakeRegistry.respondJson(ex, ok ? 200 : 400, "{\"token\":\"" + token + "\",\"expires_in\":300}");
        });
        registry.requireAuth(a -> ("Bearer " + token).equals(a),
                "Bearer realm=\"" + registry.url("/token") + "\",service=\"fake registry\",scope=\"repository:" + NAME + ":pull\"");
        registry.serveManifest(NAME, "second", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));

        ValidatedImage result = validate(ref("first", "second"));

        assertThat(result.tag()).isEqualTo("second");
        assertThat(tokenCalls.get()).isEqualTo(1);
        assertThat(registry.requests().stream().filter(r -> r.path().startsWith("/v2/")).map(r -> r.header("Authorization")))
                .containsExactly(null, "Bearer " + token, "Bearer " + token);
        assertThat(log).anyMatch(l -> l.contains("Bearer") && l.contains("anonymous"));
        assertThat(log).noneMatch(l -> l.contains(token));
    }

    @Test
    void bearerWithCredentialsUsesAccessTokenAndDefaultScope() throws Exception {
        String token = "user-token-abcdef";
        String password = "pa:ss-w0rd";
        try (FakeRegistry auth = new FakeRegistry()) {
            auth.route("/auth/token", ex -> {
                String query = ex.getRequestURI().getQuery();
                boolean ok = query.equals("service=svc&scope=repository:" + NAME + ":pull")
                        && ("Basic " + b64("alice:" + password)).equals(ex.getRequestHeaders().getFirst("Authorization"));
                FakeRegistry.respondJson(ex, ok ? 200 : 401, "{\"access_token\":\"" + token + "\"}");
            });
            registry.requireAuth(a -> ("Bearer " + token).equals(a), "Bearer realm=\"" + auth.url("/auth/token") + "\", service=svc");
            registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));
            RegistryOptions options = options().withCredentials(Map.of(registry.authority(), new RegistryCredentials("alice", password)));

            validate(options, ref("latest"));

            assertThat(auth.requests()).hasSize(1);
            assertThat(log).anyMatch(l -> l.contains("Bearer") && l.contains("with configured credentials"));
            assertThat(log).noneMatch(l -> l.contains(password) || l.contains(token));
        }
    }

    @Test
    void basicFlowSendsConfiguredCredentials() throws Exception {
        registry.requireAuth(a -> ("Basic " + b64("bob:secret")).equals(a), "Basic realm=\"Registry Realm\"");
        registry.serveManifest(NAME, "latest", MediaTypes.OCI_MANIFEST, image(MediaTypes.OCI_MANIFEST, selected));
        RegistryOptions options = options().withCredentials(Map.of(registry.authority(), new RegistryCredentials("bob", "secret")));

        validate(options, ref("latest"));

        assertThat(registry.requests()).extracting(r -> r.header("Authorization")).containsExactly(null, "Basic " + b64("bob:secret"));
        assertThat(log).anyMatch(l -> l.contains("Basic"));
        assertThat(log).noneMatch(l -> l.contains("secret"));
    }

    @Test
    void basicWithoutCredentialsNamesTheFix() {
        registry.requireAuth(a -> false, "Basic realm=\"Registry Realm\"");

        RegistryException e = failure(ref("latest"));

        assertThat(e.getMessage()).contains("requires credentials").contains(registry.authority());
        assertThat(e.fix()).contains("--registry-credentials");
    }

    @Test
    void unauthorizedAfterAuthenticatingIsAnErrorNotALoop() {
        registry.requireAuth(a -> false, "Basic realm=\"Registry Realm\"");
        RegistryOptions options = options().withCredentials(Map.of(registry.authority(), new RegistryCredentials("bob", "wrong")));

        RegistryException e = failure(options, ref("latest"));

        assertThat(e.getMessage()).contains("still answered 401");
        assertThat(registry.count(MANIFESTS + "latest")).isEqualTo(2);
    }

    @Test
    void malformedChallengeIsAnError() {
        registry.requireAuth(a -> false, "Bearer realm=\"unterminated");

        assertThat(failure(ref("latest")).getMessage()).contains("malformed WWW-Authenticate");
    }

    @Test
    void tokenEndpointServerErrorNamesTheRealmHost() throws Exception {
        try (FakeRegistry auth = new FakeRegistry()) {
            auth.route("/token", ex -> FakeRegistry.respondJson(ex, 500, "{}"));
            registry.requireAuth(a -> false, "Bearer realm=\"" + auth.url("/token") + "\"");

            RegistryException e = failure(ref("latest"));

            assertThat(e.input()).isEqualTo(auth.authority());
            assertThat(e.getMessage()).contains("token from realm " + auth.authority()).contains("HTTP 500");
            assertThat(auth.requests()).hasSize(3);
        }
    }

    @Test
    void tokenEndpointNonJsonIsAnError() throws Exception {
        try (FakeRegistry auth = new FakeRegistry()) {
            auth.route("/token", ex -> FakeRegistry.respond(ex, 200, "text/plain", "token=abc".getBytes(StandardCharsets.UTF_8), null));
            registry.requireAuth(a -> false, "Bearer realm=\"" + auth.url("/token") + "\"");

            RegistryException e = failure(ref("latest"));

            assertThat(e.input()).isEqualTo(auth.authority());
            assertThat(e.getMessage()).contains("other than a JSON object");
        }
    }

    @Test
    void tokenEndpointWithoutTokenIsAnError() throws Exception {
        try (FakeRegistry auth = new FakeRegistry()) {
            auth.route("/token", ex -> FakeRegistry.respondJson(ex, 200, "{\"expires_in\":60}"));
            registry.requireAuth(a -> false, "Bearer realm=\"" + auth.url("/token") + "\"");

            RegistryException e = failure(ref("latest"));

            assertThat(e.getMessage()).contains("without a token or access_token");
        }
    }

    @Test
    void plainHttpRealmOnNonLoopbackHostIsRefused() {
        registry.requireAuth(a -> false, "Bearer realm=\"http://auth.example.com/token\",service=x");

        RegistryException e = failure(ref("latest"));

        assertThat(e.input()).isEqualTo("auth.example.com");
        assertThat(e.getMessage()).contains("plain http");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
