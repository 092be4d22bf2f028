package org.dstack4j.launcher.registry;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the launcher talks to registries. None of these come from {@code user_config} except the
 * retry timing (docs/launcher.md: nothing untrusted may change the trust settings).
 *
 * <p>Transport rule: plain {@code http} is used only for loopback registries ({@code 127.0.0.0/8},
 * {@code ::1}, {@code localhost}, as Docker allows) and for those listed in
 * {@code insecureRegistries}; every other registry, token realm and redirect target must be
 * {@code https}.
 *
 * @param insecureRegistries {@code host[:port]} values (compared case-insensitively with the URL
 *                           authority) allowed over plain http
 * @param credentials        credentials by registry {@code host[:port]} (see {@link RegistryCredentialsFile})
 * @param retryPolicy        attempts, per-request timeout (connect to last body byte) and delays
 * @param maxManifestBytes   cap on any response body (manifest or token), bytes, &gt; 0
 * @param connectTimeout     TCP + TLS connect timeout, &gt; 0
 * @param userAgent          {@code User-Agent} header value
 */
public record RegistryOptions(
        Set<String> insecureRegistries,
        Map<String, RegistryCredentials> credentials,
        RetryPolicy retryPolicy,
        long maxManifestBytes,
        Duration connectTimeout,
        String userAgent) {

    /** Default body cap: 4 MiB, the limit CNCF distribution itself applies to manifests. */
    public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L * 1024 * 1024;
    /** Default {@code User-Agent}. */
    public static final String DEFAULT_USER_AGENT = "dstack4j-launcher";

    public RegistryOptions {
        insecureRegistries = insecureRegistries.stream()
                .map(s -> s.strip().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        credentials = credentials.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(e -> e.getKey().strip().toLowerCase(Locale.ROOT), Map.Entry::getValue));
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        if (maxManifestBytes <= 0) throw new IllegalArgumentException("maxManifestBytes must be > 0");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be > 0");
        if (userAgent == null || userAgent.isBlank()) throw new IllegalArgumentException("userAgent must not be blank");
    }

    /**
     * Defaults for everything but the retry policy: no insecure registries, no credentials, 4 MiB
     * body cap, connect timeout equal to the request timeout.
     */
    public static RegistryOptions defaults(RetryPolicy retryPolicy) {
        return new RegistryOptions(Set.of(), Map.of(), retryPolicy, DEFAULT_MAX_MANIFEST_BYTES,
                retryPolicy.requestTimeout(), DEFAULT_USER_AGENT);
    }

    /** A copy with these credentials. */
    public RegistryOptions withCredentials(Map<String, RegistryCredentials> newCredentials) {
        return new RegistryOptions(insecureRegistries, newCredentials, retryPolicy, maxManifestBytes, connectTimeout, userAgent);
    }

    /** A copy with these insecure registries. */
    public RegistryOptions withInsecureRegistries(Set<String> newInsecure) {
        return new RegistryOptions(newInsecure, credentials, retryPolicy, maxManifestBytes, connectTimeout, userAgent);
    }

    /** A copy with this body cap. */
    public RegistryOptions withMaxManifestBytes(long newMax) {
        return new RegistryOptions(insecureRegistries, credentials, retryPolicy, newMax, connectTimeout, userAgent);
    }
}
