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
 * Step 4a of the launch (spec/launcher.md): proves that a registry serves exactly the selected
 * image, speaking the OCI distribution API over the JDK's {@link HttpClient}.
 *
 * <p>First, the selected digest as a manifest digest (today's MPC network): fetch
 * {@code manifests/<selected>} by digest; when served, its bytes must hash to the selected digest,
 * and an index is resolved to its first {@code linux/amd64} image manifest (see
 * {@link DigestKind#MANIFEST}). A 404 there means it is not a manifest digest in this repository,
 * and the selected digest is looked for as an image ID (2025 seed), as follows.
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
     * Proves what {@code selected} names: a manifest (or index) served by digest, else an image ID
     * under the first tag of {@code ref} that serves it.
     *
     * @param ref      registry, repository name and tags to search in order
     * @param selected the selected approved digest (a manifest digest or an image ID)
     * @param log      receives progress lines: tag, manifest digest and media type, auth scheme;
     *                 never tokens or passwords
     * @return which kind the digest is, the digest to pull by, the image ID the pull must give, and
     *         (image ID kind) the tag; the reference's name is normalised (Docker Hub {@code library/} prefix)
     * @throws RegistryException "Image hash not found among tags." when no tag matches, or the first
     *                           protocol, auth, content or transport failure
     */
    public ValidatedImage validate(ImageReference ref, ImageDigest selected, Consumer<String> log) throws RegistryException {
        return run(ref, selected, log, false);
    }

    /**
     * As {@link #validate}, trying the digest as a manifest digest first and the tags after (TOML
     * mode: today's approved digests are manifest digests, so the usual case costs one request).
     */
    public ValidatedImage validateManifestFirst(ImageReference ref, ImageDigest selected, Consumer<String> log)
            throws RegistryException {
        return run(ref, selected, log, true);
    }

    private ValidatedImage run(ImageReference ref, ImageDigest selected, Consumer<String> log, boolean manifestFirst)
            throws RegistryException {
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
            return search(endpoint, client, selected, log, manifestFirst);
        } finally {
            http.shutdownNow();
        }
    }

    private ValidatedImage search(RegistryEndpoint endpoint, RegistryClient client, ImageDigest selected, Consumer<String> log,
                                  boolean manifestFirst) throws RegistryException {
        String repo = endpoint.registry() + "/" + endpoint.reference().name();
        log.accept("registry: looking for " + selected + " in " + repo + " (" + endpoint.base() + ") "
                + (manifestFirst ? "as a manifest digest, else as an image ID under tags " + endpoint.reference().tags()
                        : "as an image ID under tags " + endpoint.reference().tags() + ", else as a manifest digest"));
        List<String> probeProblem = new ArrayList<>();
        if (manifestFirst) {
            Optional<ValidatedImage> asManifest = probe(endpoint, client, selected, log, probeProblem);
            if (asManifest.isPresent()) return asManifest.get();
        }
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
        if (!manifestFirst) {
            Optional<ValidatedImage> asManifest = probe(endpoint, client, selected, log, probeProblem);
            if (asManifest.isPresent()) return asManifest.get();
        }
        throw new RegistryException(LaunchStep.REGISTRY, repo,
                "Image hash not found among tags. " + repo + " serves no manifest " + selected
                        + (probeProblem.isEmpty() ? "" : " (" + probeProblem.getFirst() + ")")
                        + ", and no linux/amd64 image with that config digest under tags " + tried,
                "push the approved image to " + repo + " (by digest, or under one of the tags), or point the launcher at "
                        + "where it is published (image_reference in TOML mode; MPC_REGISTRY, MPC_IMAGE_NAME, MPC_IMAGE_TAGS in .env mode)");
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

    /**
     * {@link #byDigest}, where a failure other than altered content only means "not proved as a
     * manifest digest" (e.g. docker-registry answers 500 for {@code manifests/<config digest>}): the
     * tag search may still prove it as an image ID, and either proof is content-addressed. Content
     * that does not hash to what was asked stays fatal.
     */
    private static Optional<ValidatedImage> probe(RegistryEndpoint endpoint, RegistryClient client, ImageDigest selected,
                                                  Consumer<String> log, List<String> problem) throws RegistryException {
        try {
            return byDigest(endpoint, client, selected, log);
        } catch (RegistryException e) {
            if (RegistryClient.isContentMismatch(e)) throw e;
            log.accept("manifest " + selected + ": not proved as a manifest digest: " + e.getMessage());
            problem.add("fetching it by digest: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The selected digest as a manifest digest: {@code manifests/<selected>} fetched by digest (the
     * bytes must hash to it). Empty when the registry answers 404. An index is resolved to its first
     * {@code linux/amd64} image manifest, whose config digest the pulled image must have; an index
     * without one is an error (the approved digest names nothing this launcher can run).
     */
    private static Optional<ValidatedImage> byDigest(RegistryEndpoint endpoint, RegistryClient client, ImageDigest selected,
                                                     Consumer<String> log) throws RegistryException {
        Optional<FetchedManifest> fetched = client.manifestByDigestIfServed(selected);
        if (fetched.isEmpty()) {
            log.accept("manifest " + selected + ": not served (404), so not a manifest digest here; looking for it as an image ID");
            return Optional.empty();
        }
        FetchedManifest top = fetched.get();
        String where = "manifest " + selected;
        log.accept(where + ": served, " + top.size() + " bytes hashing to it (" + top.manifest().mediaType() + ")");
        ImageDigest imageId = switch (top.manifest()) {
            case Manifest.Image image -> image.configDigest();
            case Manifest.Index index -> {
                List<Manifest.Entry> amd64 = index.linuxAmd64();
                if (amd64.isEmpty()) {
                    throw invalidIndex(endpoint, where, "no linux/amd64 entry (this launcher runs linux/amd64 images only)");
                }
                yield platformImage(endpoint, client, where, amd64.getFirst(), log).configDigest();
            }
        };
        log.accept(where + ": the approved digest is a manifest digest; linux/amd64 image ID " + imageId);
        return Optional.of(new ValidatedImage(endpoint.reference(), "", selected, imageId, top.manifest().mediaType(),
                DigestKind.MANIFEST));
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
            FetchedManifest child = platformFetch(endpoint, client, "tag " + tag, entry, log);
            Optional<ValidatedImage> match = matchImage(endpoint, tag, child, (Manifest.Image) child.manifest(), selected, log);
            if (match.isPresent()) return match;
        }
        return Optional.empty();
    }

    private static Manifest.Image platformImage(RegistryEndpoint endpoint, RegistryClient client, String where,
                                                Manifest.Entry entry, Consumer<String> log) throws RegistryException {
        return (Manifest.Image) platformFetch(endpoint, client, where, entry, log).manifest();
    }

    /** Fetches one linux/amd64 index entry by digest and checks it against the entry; always an image manifest. */
    private static FetchedManifest platformFetch(RegistryEndpoint endpoint, RegistryClient client, String where,
                                                 Manifest.Entry entry, Consumer<String> log) throws RegistryException {
        ImageDigest digest = ImageDigest.parse(entry.digest()).orElseThrow(() -> invalidIndex(endpoint, where,
                "linux/amd64 entry digest is not sha256:<64 hex>: " + SafeText.excerpt(entry.digest())));
        FetchedManifest child = client.manifestByDigest(digest);
        String variant = entry.variant().isEmpty() ? "" : "/" + SafeText.excerpt(entry.variant());
        log.accept(where + ": linux/amd64" + variant + " manifest " + child.digest() + " (" + child.manifest().mediaType() + ")");
        if (!(child.manifest() instanceof Manifest.Image image)) {
            throw invalidIndex(endpoint, where, "linux/amd64 entry " + digest + " is itself an index (nested indexes are not followed)");
        }
        if (!entry.mediaType().isEmpty() && !entry.mediaType().toLowerCase(Locale.ROOT).equals(image.mediaType())) {
            throw invalidIndex(endpoint, where, "entry " + digest + " declares " + SafeText.excerpt(entry.mediaType()) + " but the registry served " + image.mediaType());
        }
        if (entry.size().isPresent() && entry.size().getAsLong() != child.size()) {
            throw invalidIndex(endpoint, where, "entry " + digest + " declares " + entry.size().getAsLong() + " bytes but "
                    + child.size() + " were served");
        }
        return child;
    }

    private static RegistryException invalidIndex(RegistryEndpoint endpoint, String where, String problem) {
        return new RegistryException(LaunchStep.REGISTRY, endpoint.registry(),
                where + " of " + endpoint.reference().name() + ": invalid index, " + problem,
                "republish the image index (with a linux/amd64 image manifest)");
    }

    private Optional<RegistryCredentials> credentialsFor(RegistryEndpoint endpoint) {
        String registry = endpoint.registry().strip().toLowerCase(Locale.ROOT);
        RegistryCredentials byName = options.credentials().get(registry);
        if (byName != null) return Optional.of(byName);
        return Optional.ofNullable(options.credentials().get(endpoint.base().getRawAuthority().toLowerCase(Locale.ROOT)));
    }
}
