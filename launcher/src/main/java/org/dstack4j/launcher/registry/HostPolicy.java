package org.dstack4j.launcher.registry;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.RegistryException;
import org.dstack4j.launcher.config.SafeText;

/**
 * Which hosts may be reached over plain {@code http}: loopback hosts ({@code 127.0.0.0/8},
 * {@code ::1}, {@code localhost}, matched textually, never via DNS) and the configured insecure
 * registries ({@code host[:port]}). Everything else, including token realms and redirect targets,
 * must use {@code https}.
 *
 * <p>Docker tries https first on loopback and falls back to http; this client simply uses http
 * for loopback registries, which is what a local test registry serves.
 *
 * @param insecureRegistries lowercase {@code host[:port]} values allowed over http
 */
public record HostPolicy(Set<String> insecureRegistries) {
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    public HostPolicy {
        insecureRegistries = Set.copyOf(insecureRegistries);
    }

    /** True for {@code localhost}, {@code 127.x.y.z} (each part 0..255) and {@code ::1} (with or without brackets). */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) return true;
        var m = LOOPBACK_V4.matcher(h);
        if (!m.matches()) return false;
        for (int g = 1; g <= 3; g++) if (Integer.parseInt(m.group(g)) > 255) return false;
        return true;
    }

    /** Whether plain http is allowed for {@code host} with {@code port} (-1 when absent). */
    public boolean plainHttpAllowed(String host, int port) {
        if (isLoopback(host)) return true;
        String h = host.toLowerCase(Locale.ROOT);
        return insecureRegistries.contains(h) || (port >= 0 && insecureRegistries.contains(h + ":" + port));
    }

    /** The scheme used to reach a registry {@code host[:port]}: http if allowed, otherwise https. */
    public String schemeFor(String authority) {
        URI probe = URI.create("//" + authority);
        String host = probe.getHost() == null ? authority : probe.getHost();
        return plainHttpAllowed(host, probe.getPort()) ? "http" : "https";
    }

    /**
     * Fails unless {@code uri} is https, or http to an allowed host.
     *
     * @param what what the URL is for, e.g. "token realm", used in the error
     * @throws RegistryException naming the host when the URL is not allowed
     */
    public void requireAllowed(URI uri, String what) throws RegistryException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost();
        if (host == null || !(scheme.equals("https") || scheme.equals("http"))) {
            // a URL without a host (e.g. a redirect to file:///…) is named by its text, not as "null"
            String input = uri.getAuthority() != null ? uri.getAuthority() : SafeText.excerpt(uri.toString());
            throw new RegistryException(LaunchStep.REGISTRY, input,
                    what + " is not an absolute http(s) URL: " + uri,
                    "check the registry; only http(s) URLs with a host are followed");
        }
        if (scheme.equals("http") && !plainHttpAllowed(host, uri.getPort())) {
            throw new RegistryException(LaunchStep.REGISTRY, uri.getAuthority(),
                    what + " uses plain http to a non-loopback host: " + uri,
                    "serve " + uri.getAuthority() + " over https, or list it among the insecure registries of the launcher");
        }
    }
}
