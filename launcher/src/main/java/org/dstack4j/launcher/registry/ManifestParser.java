package org.dstack4j.launcher.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.selection.ImageDigest;
import org.dstack4j.sdk.Utf8;

/**
 * Parses manifest bytes into a {@link Manifest} (OCI image spec v1.1 {@code manifest.md} and
 * {@code image-index.md}; Docker image manifest v2 schema 2).
 *
 * <p>The media type is the {@code Content-Type} when that is one of the four accepted types; a
 * missing or generic {@code application/json} type defers to the body's {@code mediaType}; any
 * other type is rejected. When both are present they must agree. Duplicate JSON keys are rejected,
 * since a registry and the engine could otherwise read different values from the same bytes.
 *
 * <p>The body must be valid UTF-8 (OCI image spec: manifests are UTF-8 JSON) and is decoded
 * strictly before Jackson sees it: Jackson's byte parser reads some invalid field names as valid
 * ones (e.g. {@code "conf\xFF\xFFig"} as {@code config} once {@code config} has been seen, since
 * its name table pads with {@code 0xFF}), another way for two readers to disagree.
 */
final class ManifestParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Why the bytes are not an acceptable manifest. */
    static final class InvalidManifestException extends Exception {
        InvalidManifestException(String message) {
            super(message, null, false, false);
        }
    }

    private ManifestParser() {
    }

    /**
     * @param body        the manifest bytes exactly as received
     * @param contentType the response's {@code Content-Type}, if any
     * @throws InvalidManifestException for non-UTF-8 or non-JSON bytes, an unaccepted media type,
     *                                  schemaVersion other than 2, or a missing/malformed config
     *                                  digest or manifests array
     */
    static Manifest parse(byte[] body, Optional<String> contentType) throws InvalidManifestException {
        String text;
        try {
            text = Utf8.decodeStrict(body);
        } catch (CharacterCodingException e) {
            throw new InvalidManifestException("not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new InvalidManifestException("not valid JSON");
        }
        if (root == null || !root.isObject()) throw new InvalidManifestException("not a JSON object");
        String mediaType = mediaType(root, contentType);
        JsonNode schema = root.get("schemaVersion");
        if (schema == null || !schema.isIntegralNumber() || schema.asInt() != 2) {
            throw new InvalidManifestException("schemaVersion is not 2");
        }
        return MediaTypes.isIndex(mediaType) ? index(root, mediaType) : image(root, mediaType);
    }

    private static String mediaType(JsonNode root, Optional<String> contentType) throws InvalidManifestException {
        JsonNode field = root.get("mediaType");
        if (field != null && !field.isTextual()) throw new InvalidManifestException("mediaType is not a string");
        Optional<String> declared = Optional.ofNullable(field).map(JsonNode::textValue);
        Optional<String> header = contentType.flatMap(MediaTypes::bare);
        if (header.isPresent() && !header.get().equals("application/json")) {
            String type = header.get();
            if (!MediaTypes.isManifestType(type)) throw new InvalidManifestException("unsupported Content-Type " + SafeText.excerpt(type));
            if (declared.isPresent() && !declared.get().equals(type)) {
                throw new InvalidManifestException("Content-Type " + type + " but body mediaType " + SafeText.excerpt(declared.get()));
            }
            return type;
        }
        if (declared.isEmpty()) throw new InvalidManifestException("no manifest media type in Content-Type or body");
        if (!MediaTypes.isManifestType(declared.get())) {
            throw new InvalidManifestException("unsupported mediaType " + SafeText.excerpt(declared.get()));
        }
        return declared.get();
    }

    private static Manifest.Image image(JsonNode root, String mediaType) throws InvalidManifestException {
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) throw new InvalidManifestException("image manifest without config object");
        JsonNode digest = config.get("digest");
        if (digest == null || !digest.isTextual()) throw new InvalidManifestException("config.digest missing");
        ImageDigest configDigest = ImageDigest.parse(digest.textValue())
                .orElseThrow(() -> new InvalidManifestException("config.digest is not sha256:<64 hex>"));
        return new Manifest.Image(mediaType, configDigest);
    }

    private static Manifest.Index index(JsonNode root, String mediaType) throws InvalidManifestException {
        JsonNode manifests = root.get("manifests");
        if (manifests == null || !manifests.isArray()) throw new InvalidManifestException("index without manifests array");
        List<Manifest.Entry> entries = new ArrayList<>();
        for (JsonNode node : manifests) {
            if (!node.isObject()) throw new InvalidManifestException("index entry is not an object");
            JsonNode platform = node.path("platform");
            JsonNode size = node.get("size");
            entries.add(new Manifest.Entry(
                    text(node, "digest"),
                    text(node, "mediaType"),
                    size != null && size.isIntegralNumber() ? OptionalLong.of(size.asLong()) : OptionalLong.empty(),
                    text(platform, "os"),
                    text(platform, "architecture"),
                    text(platform, "variant")));
        }
        return new Manifest.Index(mediaType, entries);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : "";
    }
}
