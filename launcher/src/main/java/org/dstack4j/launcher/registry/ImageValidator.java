package org.dstack4j.launcher.registry;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Step 4a of the launch (docs/launcher.md): proves that a registry serves exactly the selected
 * image, speaking the OCI distribution API over the JDK's {@link HttpClient}.
 *
 * <p>For each tag in order: fetch the manifest ({@code Accept} all four {@link MediaTypes}). An
 * image manifest matches when its {@code config.digest} equals the selected digest. For an OCI
 * index or Docker manifest list every {@code linux/amd64} entry (any variant) is fetched by digest
 * and checked the same way. A tag that answers 404, whose image has another config digest, or whose
 * index has no (matching) {@code linux/amd64} entry does not match, and the next tag is tried. Every
 * other problem (a digest mismatch, an invalid manifest, an auth failure, retries exhausted) stops
 * validation at once: fail closed, no further tags or entries are tried.
 *
 * <p>We evaluated the ORAS Java SDK ({@code land.oras}) and keep the protocol in this package: it
 * does not let us cap response bodies, hash the exact manifest bytes received, or bound retries and
 * per-request deadlines, all of which this trusted path needs. See {@link HttpFetcher},
 * {@link RegistryAuthenticator}, {@link RegistryClient} and {@link RegistryEndpoint} for transport,
 * auth, content checks and Docker Hub naming.
 *
 * <p>Thread-safe: each {@link #validate} call uses its own HTTP client and token cache.
 */
public final class ImageValidator {
    private final RegistryOptions options;
    private final Sleeper sleeper;
    private final HostPolicy hosts;

    /** A validator that really sleeps between retries. */
    public ImageValidator(RegistryOptions options) {
        this(options, Sleeper.SYSTEM);
    }

    /** A validator with an injected {@link Sleeper} (tests record delays instead of waiting). */
    public ImageValidator(RegistryOptions options, Sleeper sleeper) {
        this.options = Objects.requireNonNull(options, "options");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.hosts = new HostPolicy(options.insecureRegistries());
    }

    /**
     * Finds the first tag of {@code ref} that serves {@code selected}.
     *
     * @param ref      registry, repository name and tags to search in order
     * @param selected the selected image ID (config digest)
     * @param log      receives progress lines: tag, manifest digest and media type, auth scheme;
     *                 never tokens or passwords
     * @return the tag, the linux/amd64 image manifest digest to pull, and its media type; the
     *         reference's name is normalised (Docker Hub {@code library/} prefix)
     * @throws RegistryException "Image hash not found among tags." when no tag matches, or the first
     *                           protocol, auth, content or transport failure
     */
    public ValidatedImage validate(ImageReference ref, ImageDigest selected, Consumer<String> log) throws RegistryException {
        RegistryEndpoint endpoint = RegistryEndpoint.of(ref, hosts);
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER) // HttpFetcher follows them under its own rules
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        try {
            HttpFetcher fetcher = new HttpFetcher(http, options, hosts, sleeper, log);
            RegistryAuthenticator auth = new RegistryAuthenticator(endpoint, credentialsFor(endpoint), fetcher,
                    options.maxManifestBytes(), log);
            RegistryClient client = new RegistryClient(endpoint, fetcher, auth, options.maxManifestBytes());
            return search(endpoint, client, selected, log);
        } finally {
            http.shutdownNow();
        }
    }

    private ValidatedImage search(RegistryEndpoint endpoint, RegistryClient client, ImageDigest selected, Consumer<String> log)
            throws RegistryException {
        String repo = endpoint.registry() + "/" + endpoint.reference().name();
        log.accept("registry: looking for image " + selected + " in " + repo + " (" + endpoint.base() + "), tags "
                + endpoint.reference().tags());
        List<String> tried = new ArrayList<>();
        for (String tag : endpoint.reference().tags()) {
            tried.add(tag);
            Optional<FetchedManifest> fetched = client.manifestByTag(tag);
            if (fetched.isEmpty()) {
                log.accept("tag " + tag + ": not found (404), trying the next tag");
                continue;
            }
            FetchedManifest top = fetched.get();
            log.accept("tag " + tag + ": manifest " + top.digest() + " (" + top.manifest().mediaType() + ")");
            Optional<ValidatedImage> match = switch (top.manifest()) {
                case Manifest.Image image -> matchImage(endpoint, tag, top, image, selected, log);
                case Manifest.Index index -> matchIndex(endpoint, client, tag, index, selected, log);
            };
            if (match.isPresent()) {
                log.accept("tag " + tag + ": serves image " + selected + " as manifest " + match.get().manifestDigest());
                return match.get();
            }
        }
        throw new RegistryException(LaunchStep.REGISTRY, repo,
                "Image hash not found among tags. No linux/amd64 image with config digest " + selected + " under tags "
                        + tried + " of " + repo,
                "push the approved image to " + repo + " under one of the tags, or set MPC_IMAGE_TAGS (and MPC_REGISTRY, "
                        + "MPC_IMAGE_NAME) to where it is published");
    }

    private static Optional<ValidatedImage> matchImage(RegistryEndpoint endpoint, String tag, FetchedManifest fetched,
                                                       Manifest.Image image, ImageDigest selected, Consumer<String> log) {
        if (image.configDigest().equals(selected)) {
            return Optional.of(new ValidatedImage(endpoint.reference(), tag, fetched.digest(), selected, image.mediaType()));
        }
        log.accept("tag " + tag + ": manifest " + fetched.digest() + " has config digest " + image.configDigest()
                + ", not the selected " + selected);
        return Optional.empty();
    }

    private static Optional<ValidatedImage> matchIndex(RegistryEndpoint endpoint, RegistryClient client, String tag,
                                                       Manifest.Index index, ImageDigest selected, Consumer<String> log)
            throws RegistryException {
        List<Manifest.Entry> amd64 = index.linuxAmd64();
        if (amd64.isEmpty()) {
            log.accept("tag " + tag + ": index has no linux/amd64 entry, trying the next tag");
            return Optional.empty();
        }
        for (Manifest.Entry entry : amd64) {
            ImageDigest digest = ImageDigest.parse(entry.digest()).orElseThrow(() -> invalidIndex(endpoint, tag,
                    "linux/amd64 entry digest is not sha256:<64 hex>: " + SafeText.excerpt(entry.digest())));
            FetchedManifest child = client.manifestByDigest(digest);
            String variant = entry.variant().isEmpty() ? "" : "/" + SafeText.excerpt(entry.variant());
            log.accept("tag " + tag + ": linux/amd64" + variant + " manifest " + child.digest() + " (" + child.manifest().mediaType() + ")");
            if (!(child.manifest() instanceof Manifest.Image image)) {
                throw invalidIndex(endpoint, tag, "linux/amd64 entry " + digest + " is itself an index (nested indexes are not followed)");
            }
            if (!entry.mediaType().isEmpty() && !entry.mediaType().toLowerCase(Locale.ROOT).equals(image.mediaType())) {
                throw invalidIndex(endpoint, tag, "entry " + digest + " declares " + SafeText.excerpt(entry.mediaType()) + " but the registry served " + image.mediaType());
            }
            if (entry.size().isPresent() && entry.size().getAsLong() != child.size()) {
                throw invalidIndex(endpoint, tag, "entry " + digest + " declares " + entry.size().getAsLong() + " bytes but "
                        + child.size() + " were served");
            }
            Optional<ValidatedImage> match = matchImage(endpoint, tag, child, image, selected, log);
            if (match.isPresent()) return match;
        }
        return Optional.empty();
    }

    private static RegistryException invalidIndex(RegistryEndpoint endpoint, String tag, String problem) {
        return new RegistryException(LaunchStep.REGISTRY, endpoint.registry(),
                "tag " + tag + " of " + endpoint.reference().name() + ": invalid index, " + problem,
                "republish the image index for this tag");
    }

    private Optional<RegistryCredentials> credentialsFor(RegistryEndpoint endpoint) {
        String registry = endpoint.registry().strip().toLowerCase(Locale.ROOT);
        RegistryCredentials byName = options.credentials().get(registry);
        if (byName != null) return Optional.of(byName);
        return Optional.ofNullable(options.credentials().get(endpoint.base().getRawAuthority().toLowerCase(Locale.ROOT)));
    }
}
