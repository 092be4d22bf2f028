package org.dstack4j.launcher.registry;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The four manifest media types the launcher accepts (OCI image spec v1.1 and Docker image manifest
 * v2 schema 2). Anything else, e.g. Docker schema 1 or an artifact manifest, is rejected.
 */
public final class MediaTypes {
    /** OCI image index: a list of per-platform manifests. */
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    /** OCI image manifest: config + layers. */
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    /** Docker manifest list: the Docker equivalent of an OCI index. */
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    /** Docker image manifest v2 schema 2. */
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

    /** All four, in the order sent in {@code Accept}. */
    public static final List<String> ALL = List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    private static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_LIST);

    private MediaTypes() {
    }

    /** The {@code Accept} header value naming all four types. */
    public static String acceptHeader() {
        return String.join(", ", ALL);
    }

    /** True for one of the four types. */
    public static boolean isManifestType(String mediaType) {
        return ALL.contains(mediaType);
    }

    /** True for an OCI index or a Docker manifest list. */
    public static boolean isIndex(String mediaType) {
        return INDEXES.contains(mediaType);
    }

    /**
     * The bare media type of a {@code Content-Type} value: parameters such as {@code charset} dropped,
     * lowercased (media types are case-insensitive, RFC 9110 §8.3.1). Empty if the value is blank.
     */
    public static Optional<String> bare(String contentType) {
        if (contentType == null) return Optional.empty();
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return type.isEmpty() ? Optional.empty() : Optional.of(type);
    }
}
