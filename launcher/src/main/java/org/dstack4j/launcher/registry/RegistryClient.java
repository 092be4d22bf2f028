package org.dstack4j.launcher.registry;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Fetches and verifies manifests of one repository (OCI distribution spec, "Pulling manifests").
 *
 * <p>Content checks, all fail-closed: the sha256 of the bytes received is computed here; it must
 * equal the requested digest when fetching by digest, and the {@code Docker-Content-Digest}
 * header whenever that header is present (a mismatch is treated as an attack, not as a missing
 * tag). A {@code Docker-Content-Digest} in another algorithm (e.g. sha512) is rejected too, since it
 * cannot be checked against the sha256 image digests the launcher works with. Authentication: one {@code 401} is answered through {@link RegistryAuthenticator}; a second
 * {@code 401} for the same request is an error, so there is no loop.
 */
final class RegistryClient {
    private final RegistryEndpoint endpoint;
    private final HttpFetcher fetcher;
    private final RegistryAuthenticator auth;
    private final long maxBytes;

    RegistryClient(RegistryEndpoint endpoint, HttpFetcher fetcher, RegistryAuthenticator auth, long maxBytes) {
        this.endpoint = endpoint;
        this.fetcher = fetcher;
        this.auth = auth;
        this.maxBytes = maxBytes;
    }

    /**
     * The manifest under {@code tag}; empty if the registry answers 404.
     *
     * @throws RegistryException for any other non-200 answer, a digest header mismatch or an invalid manifest
     */
    Optional<FetchedManifest> manifestByTag(String tag) throws RegistryException {
        FetchedResponse response = getAuthorized(endpoint.manifestUri(tag), "manifest " + tag);
        if (response.status() == 404) return Optional.empty();
        requireOk(response, "tag " + tag);
        return Optional.of(verify(response, Optional.empty(), "tag " + tag));
    }

    /**
     * The manifest with {@code digest}.
     *
     * @throws RegistryException for any non-200 answer (404 included: the index named it), bytes
     *                           that do not hash to {@code digest}, a digest header mismatch or an invalid manifest
     */
    FetchedManifest manifestByDigest(ImageDigest digest) throws RegistryException {
        FetchedResponse response = getAuthorized(endpoint.manifestUri(digest.toString()), "manifest " + digest);
        requireOk(response, "manifest " + digest);
        return verify(response, Optional.of(digest), "manifest " + digest);
    }

    /**
     * The manifest with {@code digest}, or empty when the registry answers 404 (it serves no
     * manifest with that digest, e.g. because the digest is an image config's).
     *
     * @throws RegistryException for any other non-200 answer, bytes that do not hash to
     *                           {@code digest}, a digest header mismatch or an invalid manifest
     */
    Optional<FetchedManifest> manifestByDigestIfServed(ImageDigest digest) throws RegistryException {
        FetchedResponse response = getAuthorized(endpoint.manifestUri(digest.toString()), "manifest " + digest);
        if (response.status() == 404) return Optional.empty();
        requireOk(response, "manifest " + digest);
        return Optional.of(verify(response, Optional.of(digest), "manifest " + digest));
    }

    private FetchedResponse getAuthorized(URI uri, String what) throws RegistryException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", MediaTypes.acceptHeader());
        boolean answeredForThisRequest = false;
        while (true) {
            Map<String, String> sent = new LinkedHashMap<>(headers);
            auth.authorization().ifPresent(a -> sent.put("Authorization", a));
            FetchedResponse response = fetcher.get(uri, sent, maxBytes, what);
            if (response.status() != 401) return response;
            if (answeredForThisRequest) {
                throw new RegistryException(LaunchStep.REGISTRY, endpoint.registry(),
                        "registry " + endpoint.registry() + " still answered 401 for " + what + " after authenticating",
                        "check the credentials for " + endpoint.registry() + " (--registry-credentials) and that they may pull "
                                + endpoint.reference().name());
            }
            // a remembered token may have expired: answer the fresh challenge once more, then give up
            auth.answer(response);
            answeredForThisRequest = true;
        }
    }

    private void requireOk(FetchedResponse response, String what) throws RegistryException {
        if (response.status() == 200) return;
        throw new RegistryException(LaunchStep.REGISTRY, endpoint.registry(),
                "registry " + endpoint.registry() + " answered HTTP " + response.status() + " for " + what
                        + " of " + endpoint.reference().name(),
                response.status() == 403
                        ? "check that the credentials for " + endpoint.registry() + " may pull " + endpoint.reference().name()
                        : "check MPC_REGISTRY, MPC_IMAGE_NAME and the registry's health");
    }

    private FetchedManifest verify(FetchedResponse response, Optional<ImageDigest> requested, String what) throws RegistryException {
        byte[] body = response.body();
        ImageDigest actual = ImageDigest.of(body);
        if (requested.isPresent() && !requested.get().equals(actual)) {
            throw attack(what + ": the bytes received hash to " + actual + ", not the requested " + requested.get());
        }
        Optional<String> header = response.header("docker-content-digest");
        if (header.isPresent()) {
            Optional<ImageDigest> claimed = ImageDigest.parse(header.get().strip());
            if (claimed.isEmpty()) {
                throw attack(what + ": Docker-Content-Digest is not sha256:<64 hex>: " + SafeText.excerpt(header.get().strip()));
            }
            if (!claimed.get().equals(actual)) {
                throw attack(what + ": Docker-Content-Digest " + claimed.get() + " but the bytes received hash to " + actual);
            }
        }
        try {
            return new FetchedManifest(ManifestParser.parse(body, response.header("content-type")), actual, body.length);
        } catch (ManifestParser.InvalidManifestException e) {
            throw new RegistryException(LaunchStep.REGISTRY, endpoint.registry(),
                    what + " of " + endpoint.reference().name() + " is not an acceptable manifest: " + e.getMessage(),
                    "serve an OCI or Docker v2 image manifest or index for this image");
        }
    }

    /** True for the error {@link #attack} builds: the registry served altered content. */
    static boolean isContentMismatch(RegistryException e) {
        return e.getMessage() != null && e.getMessage().startsWith(CONTENT_MISMATCH);
    }

    private static final String CONTENT_MISMATCH = "manifest content does not match its digest, ";

    private RegistryException attack(String problem) {
        return new RegistryException(LaunchStep.REGISTRY, endpoint.registry(),
                CONTENT_MISMATCH + problem,
                "do not launch: the registry or the network path to it is serving altered content; investigate "
                        + endpoint.registry());
    }
}
