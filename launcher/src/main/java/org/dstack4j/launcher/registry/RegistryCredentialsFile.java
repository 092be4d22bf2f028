package org.dstack4j.launcher.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;

/**
 * Reads registry credentials from a Docker {@code config.json}:
 * {@code {"auths": {"host[:port]": {"auth": "base64(user:password)"}}}}; an entry may instead carry
 * {@code "username"} and {@code "password"}. Other top-level fields ({@code credsStore},
 * {@code credHelpers}, …) are ignored: the launcher runs no credential helper programs.
 *
 * <p>Keys are normalised to lowercase {@code host[:port]}: a URL key such as
 * {@code https://index.docker.io/v1/} becomes {@code index.docker.io}.
 *
 * <p>Errors never contain a password or the file's content: Jackson's messages quote the offending
 * text, so only the line and column are reported and the cause is not attached.
 */
public final class RegistryCredentialsFile {
    /** A config.json larger than this (1 MiB) is rejected rather than read. */
    public static final long MAX_FILE_BYTES = 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RegistryCredentialsFile() {
    }

    /**
     * Loads the credentials by registry.
     *
     * @param path a Docker config.json
     * @return credentials keyed by lowercase {@code host[:port]}; empty if {@code auths} is absent or empty
     * @throws InputException (step {@link LaunchStep#REGISTRY}, input = the path) when the file is
     *                        unreadable, over 1 MiB, not JSON, or an entry is malformed
     */
    public static Map<String, RegistryCredentials> load(Path path) throws InputException {
        byte[] content = read(path);
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr();
            throw error(path, "not valid JSON" + where);
        } catch (IOException e) {
            throw error(path, "not valid JSON");
        }
        if (root == null || !root.isObject()) throw error(path, "the top level must be a JSON object");
        JsonNode auths = root.get("auths");
        if (auths == null || auths.isNull()) return Map.of();
        if (!auths.isObject()) throw error(path, "\"auths\" must be an object of host -> {\"auth\": ...}");

        Map<String, RegistryCredentials> result = new LinkedHashMap<>();
        for (var it = auths.properties().iterator(); it.hasNext(); ) {
            var entry = it.next();
            String host = normaliseKey(path, entry.getKey());
            if (result.containsKey(host)) throw error(path, "registry " + host + " is listed twice");
            result.put(host, credentials(path, host, entry.getValue()));
        }
        return Map.copyOf(result);
    }

    private static byte[] read(Path path) throws InputException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] content = in.readNBytes((int) MAX_FILE_BYTES + 1);
            if (content.length > MAX_FILE_BYTES) throw error(path, "larger than " + MAX_FILE_BYTES + " bytes");
            return content;
        } catch (IOException e) {
            throw new InputException(LaunchStep.REGISTRY, path.toString(),
                    "cannot read the registry credentials file: " + e.getClass().getSimpleName(),
                    "point --registry-credentials at a readable Docker config.json", e);
        }
    }

    private static String normaliseKey(Path path, String key) throws InputException {
        String k = key.strip();
        if (k.contains("://")) {
            try {
                URI uri = new URI(k);
                if (uri.getHost() == null) throw error(path, "registry key " + key + " has no host");
                k = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            } catch (java.net.URISyntaxException e) {
                throw error(path, "registry key " + key + " is not host[:port] or a URL");
            }
        } else {
            int slash = k.indexOf('/');
            if (slash >= 0) k = k.substring(0, slash);
        }
        if (k.isEmpty()) throw error(path, "empty registry key");
        return k.toLowerCase(Locale.ROOT);
    }

    private static RegistryCredentials credentials(Path path, String host, JsonNode entry) throws InputException {
        if (!entry.isObject()) throw error(path, "entry for " + host + " must be an object");
        JsonNode auth = entry.get("auth");
        if (auth != null && !auth.isNull() && !auth.asText("").isEmpty()) {
            if (!auth.isTextual()) throw error(path, "\"auth\" of " + host + " must be a string");
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.textValue().strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw error(path, "\"auth\" of " + host + " is not valid base64");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) throw error(path, "\"auth\" of " + host + " does not decode to user:password");
            return new RegistryCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
        JsonNode user = entry.get("username");
        JsonNode password = entry.get("password");
        if (user != null && user.isTextual() && !user.textValue().isEmpty() && password != null && password.isTextual()) {
            return new RegistryCredentials(user.textValue(), password.textValue());
        }
        throw error(path, "entry for " + host + " has neither \"auth\" nor \"username\" and \"password\"");
    }

    private static InputException error(Path path, String problem) {
        return new InputException(LaunchStep.REGISTRY, path.toString(), "registry credentials file " + problem,
                "fix the Docker config.json given to --registry-credentials: {\"auths\":{\"host:port\":{\"auth\":\"base64(user:password)\"}}}");
    }
}
