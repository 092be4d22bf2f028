package org.dstack4j.sdk;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Where the dstack guest agent listens: a unix socket (the normal case inside a CVM) or an
 * {@code http(s)://} URL (a simulator).
 *
 * {@snippet :
 * DstackEndpoint ep = DstackEndpoint.parse("/var/run/dstack.sock");          // UnixSocket
 * DstackEndpoint sim = DstackEndpoint.parse("http://127.0.0.1:8090");        // Http
 * DstackEndpoint found = DstackEndpoint.discover(System.getenv(), Files::exists);
 * }
 */
public sealed interface DstackEndpoint {

    /** Environment variable that overrides discovery: a socket path or an {@code http(s)://} URL. */
    String SIMULATOR_ENV = "DSTACK_SIMULATOR_ENDPOINT";

    /** Socket paths the official SDKs try, in order (docs/guest-api.md). */
    List<Path> STANDARD_SOCKETS = List.of(
            Path.of("/var/run/dstack.sock"),
            Path.of("/run/dstack.sock"),
            Path.of("/var/run/dstack/dstack.sock"),
            Path.of("/run/dstack/dstack.sock"));

    /** Human-readable form used in error messages, e.g. {@code unix:/var/run/dstack.sock}. */
    String describe();

    /**
     * The agent's unix socket.
     *
     * @param path the socket file
     */
    record UnixSocket(Path path) implements DstackEndpoint {
        public UnixSocket {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String describe() {
            return "unix:" + path;
        }
    }

    /**
     * An {@code http} or {@code https} base URL; method {@code M} is served at {@code <url>/M}.
     *
     * @param uri the base URL, scheme http or https, with a host
     */
    record Http(URI uri) implements DstackEndpoint {
        public Http {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException("dstack endpoint URL must be http(s)://host[:port][/path], got: " + uri);
            }
        }

        @Override
        public String describe() {
            return uri.toString();
        }
    }

    /**
     * Parses a socket path or an {@code http(s)://} URL.
     *
     * @param value a filesystem path (absolute or relative) or a URL starting with {@code http://} or {@code https://}
     * @throws IllegalArgumentException if the value is blank, an invalid URL, or a URL of another scheme
     */
    static DstackEndpoint parse(String value) {
        Objects.requireNonNull(value, "endpoint");
        String v = value.strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("dstack endpoint is empty: give a socket path or an http(s):// URL");
        }
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            try {
                return new Http(new URI(v));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("dstack endpoint is not a valid URL: " + v + " (" + e.getReason() + ")", e);
            }
        }
        if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("dstack endpoint URL must use http or https, got: " + v);
        }
        try {
            return new UnixSocket(Path.of(v));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("dstack endpoint is not a valid socket path: " + v, e);
        }
    }

    /**
     * Finds the agent the way the official SDKs do: {@value #SIMULATOR_ENV} if set and non-blank,
     * else the first of {@link #STANDARD_SOCKETS} that exists.
     *
     * @param env    environment variables, usually {@link System#getenv()}
     * @param exists tells whether a path exists, usually {@link Files#exists(Path, java.nio.file.LinkOption...) Files::exists}
     * @throws DstackException.NoEndpoint naming every path tried and the variable, when nothing is found
     * @throws IllegalArgumentException   if {@value #SIMULATOR_ENV} is set but not a valid endpoint
     */
    static DstackEndpoint discover(Map<String, String> env, Predicate<Path> exists) throws DstackException.NoEndpoint {
        String override = env.get(SIMULATOR_ENV);
        if (override != null && !override.isBlank()) {
            return parse(override);
        }
        for (Path p : STANDARD_SOCKETS) {
            if (exists.test(p)) {
                return new UnixSocket(p);
            }
        }
        throw new DstackException.NoEndpoint(STANDARD_SOCKETS, SIMULATOR_ENV);
    }

    /** {@link #discover(Map, Predicate)} over the process environment and the real filesystem. */
    static DstackEndpoint discover() throws DstackException.NoEndpoint {
        return discover(System.getenv(), p -> Files.exists(p));
    }
}
