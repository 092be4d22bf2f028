package org.dstack4j.launcher.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;

/**
 * Answers a registry's {@code 401} challenge and remembers the resulting {@code Authorization}
 * value for the rest of one validation (Docker token authentication spec,
 * distribution/docs/spec/auth/token.md; RFC 7617 Basic).
 *
 * <ul>
 *   <li>{@code Bearer realm,service,scope}: GET {@code realm?service=…&scope=…} (scope defaults to
 *       {@code repository:<name>:pull}) with Basic credentials when configured for the registry,
 *       anonymously otherwise; the token is {@code token} or {@code access_token} of the JSON.</li>
 *   <li>{@code Basic}: the configured credentials; without any, an error naming the registry.</li>
 * </ul>
 * A Bearer challenge is preferred when a response offers both. The realm goes through the same
 * {@link HttpFetcher} (timeouts, retries, body cap, https rule). Tokens and passwords are never
 * logged nor put in messages.
 */
final class RegistryAuthenticator {
    private static final ObjectMapper JSON = new ObjectMapper();
    // visible ASCII: anything else could not be sent in a header, or would be an injection attempt
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]+");

    private final RegistryEndpoint endpoint;
    private final Optional<RegistryCredentials> credentials;
    private final HttpFetcher fetcher;
    private final long maxBytes;
    private final Consumer<String> log;
    private String authorization;

    RegistryAuthenticator(RegistryEndpoint endpoint, Optional<RegistryCredentials> credentials, HttpFetcher fetcher,
                          long maxBytes, Consumer<String> log) {
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.fetcher = fetcher;
        this.maxBytes = maxBytes;
        this.log = log;
    }

    /** The {@code Authorization} value to send, once a challenge has been answered. */
    Optional<String> authorization() {
        return Optional.ofNullable(authorization);
    }

    /**
     * Answers the challenge in a {@code 401} response, replacing any remembered authorization.
     *
     * @throws RegistryException when the challenge is missing, malformed or of an unsupported
     *                           scheme, Basic is required without credentials, or the token
     *                           endpoint fails
     */
    void answer(FetchedResponse unauthorized) throws RegistryException {
        List<String> values = unauthorized.headers().allValues("www-authenticate");
        if (values.isEmpty()) {
            throw error("registry " + endpoint.registry() + " answered 401 without a WWW-Authenticate challenge",
                    "check that " + endpoint.registry() + " is an OCI distribution registry");
        }
        List<AuthChallenge> challenges = new ArrayList<>();
        for (String value : values) {
            try {
                challenges.addAll(WwwAuthenticate.parse(value));
            } catch (ChallengeSyntaxException e) {
                throw error("registry " + endpoint.registry() + " sent a malformed WWW-Authenticate header (" + e.getMessage() + ")",
                        "fix the registry's authentication configuration");
            }
        }
        Optional<AuthChallenge> bearer = challenges.stream().filter(c -> c.is("Bearer")).findFirst();
        if (bearer.isPresent()) {
            authorization = "Bearer " + fetchToken(bearer.get());
            return;
        }
        if (challenges.stream().anyMatch(c -> c.is("Basic"))) {
            RegistryCredentials creds = credentials.orElseThrow(() -> error(
                    "registry " + endpoint.registry() + " requires credentials (Basic authentication)",
                    "give credentials for " + endpoint.registry() + " in a Docker config.json passed with --registry-credentials"));
            log.accept("registry " + endpoint.registry() + ": auth scheme Basic, with configured credentials");
            authorization = basic(creds);
            return;
        }
        throw error("registry " + endpoint.registry() + " offers no supported auth scheme (got "
                        + challenges.stream().map(AuthChallenge::scheme).toList() + "; supported: Bearer, Basic)",
                "configure the registry for Bearer token or Basic authentication");
    }

    private String fetchToken(AuthChallenge challenge) throws RegistryException {
        String realm = challenge.param("realm").filter(r -> !r.isBlank()).orElseThrow(() -> error(
                "registry " + endpoint.registry() + " sent a Bearer challenge without realm",
                "fix the registry's token authentication configuration"));
        URI realmUri;
        try {
            realmUri = new URI(realm);
        } catch (java.net.URISyntaxException e) {
            throw error("registry " + endpoint.registry() + " sent a Bearer realm that is not a URL", "fix the registry's token realm");
        }
        if (realmUri.getHost() == null || realmUri.getRawFragment() != null) {
            throw error("registry " + endpoint.registry() + " sent a Bearer realm that is not an absolute URL", "fix the registry's token realm");
        }
        String realmHost = realmUri.getAuthority();
        Map<String, String> query = new LinkedHashMap<>();
        challenge.param("service").ifPresent(s -> query.put("service", s));
        query.put("scope", challenge.param("scope").filter(s -> !s.isBlank()).orElse(endpoint.pullScope()));
        URI tokenUri = withQuery(realmUri, query);

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        credentials.ifPresent(c -> headers.put("Authorization", basic(c)));
        log.accept("registry " + endpoint.registry() + ": auth scheme Bearer, token from " + realmHost
                + " (service=" + query.getOrDefault("service", "-") + ", scope=" + query.get("scope") + ", "
                + (credentials.isPresent() ? "with configured credentials" : "anonymous") + ")");

        FetchedResponse response = fetcher.get(tokenUri, headers, maxBytes, "token from realm " + realmHost);
        if (response.status() == 401 || response.status() == 403) {
            throw new RegistryException(LaunchStep.REGISTRY, realmHost,
                    "token endpoint " + realmHost + " refused the token request (HTTP " + response.status() + ")",
                    credentials.isPresent()
                            ? "check the credentials for " + endpoint.registry() + " given with --registry-credentials"
                            : "give credentials for " + endpoint.registry() + " with --registry-credentials, or allow anonymous pull");
        }
        if (response.status() != 200) {
            throw new RegistryException(LaunchStep.REGISTRY, realmHost,
                    "token endpoint " + realmHost + " answered HTTP " + response.status(),
                    "check the token service at " + realmHost);
        }
        JsonNode json = readJson(response.body());
        if (json == null || !json.isObject()) {
            throw new RegistryException(LaunchStep.REGISTRY, realmHost,
                    "token endpoint " + realmHost + " answered something other than a JSON object",
                    "check the token service at " + realmHost);
        }
        String token = textField(json, "token").or(() -> textField(json, "access_token")).orElseThrow(() ->
                new RegistryException(LaunchStep.REGISTRY, realmHost,
                        "token endpoint " + realmHost + " answered without a token or access_token",
                        "check the token service at " + realmHost));
        if (!HEADER_SAFE.matcher(token).matches()) {
            throw new RegistryException(LaunchStep.REGISTRY, realmHost,
                    "token endpoint " + realmHost + " returned a token with characters not allowed in a header",
                    "check the token service at " + realmHost);
        }
        return token;
    }

    private static JsonNode readJson(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static Optional<String> textField(JsonNode json, String name) {
        JsonNode value = json.get(name);
        return value != null && value.isTextual() && !value.textValue().isEmpty() ? Optional.of(value.textValue()) : Optional.empty();
    }

    private static URI withQuery(URI realm, Map<String, String> params) {
        StringBuilder query = new StringBuilder(realm.getRawQuery() == null ? "" : realm.getRawQuery());
        params.forEach((k, v) -> {
            if (!query.isEmpty()) query.append('&');
            // %20 rather than '+' for spaces: valid in any query, not only form-encoded ones
            query.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
        });
        String base = realm.getScheme() + "://" + realm.getRawAuthority() + (realm.getRawPath() == null ? "" : realm.getRawPath());
        return URI.create(base + "?" + query);
    }

    private static String basic(RegistryCredentials creds) {
        String pair = creds.username() + ":" + creds.password();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private RegistryException error(String problem, String fix) {
        return new RegistryException(LaunchStep.REGISTRY, endpoint.registry(), problem, fix);
    }
}
