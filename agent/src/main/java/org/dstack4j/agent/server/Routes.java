package org.dstack4j.agent.server;

import org.dstack4j.agent.api.Surface;

/**
 * Which surface and method a request path names, per listener (Dstack-TEE/dstack
 * {@code docs/guest-api-v1.md} "Transport and versioning"). Version selection is by path alone.
 * {@code null} means nothing is mounted there: the handler answers a plain, non-JSON 404, which is how
 * a client tells "no such surface" from "no such method" (a JSON {@code Service not found}).
 */
@FunctionalInterface
interface Routes {

    /** A surface and a method name (the method may be unknown to the surface: that is a JSON 404). */
    record Route(Surface surface, String method) {}

    Route route(String path);

    /** The internal socket: {@code /M} and {@code /v0/M} → v0, {@code /v1/M} → v1. */
    static Routes internal() {
        return path -> {
            String p = path.replaceFirst("^/+", "");
            int slash = p.indexOf('/');
            if (slash < 0) return new Route(Surface.GUEST_V0, p);
            String rest = p.substring(slash + 1);
            if (rest.indexOf('/') >= 0) return null;
            return switch (p.substring(0, slash)) {
                case "v0" -> new Route(Surface.GUEST_V0, rest);
                case "v1" -> new Route(Surface.GUEST_V1, rest);
                default -> null;
            };
        };
    }

    /** The Tappd socket: {@code /prpc/Tappd.M} (or {@code /prpc/M}). */
    static Routes tappd() {
        return path -> {
            String m = under(path, "/prpc/");
            return m == null || m.indexOf('/') >= 0 ? null : new Route(Surface.TAPPD, trim(m, "Tappd."));
        };
    }

    /**
     * The external listener: {@code /prpc/Worker.M}, {@code /prpc/M} and {@code /prpc/v0/M} → frozen
     * Worker; {@code /prpc/v1/M} → v1 Worker.
     */
    static Routes worker() {
        return path -> {
            String m = under(path, "/prpc/");
            if (m == null) return null;
            if (m.startsWith("v1/")) return single(Surface.WORKER_V1, m.substring(3));
            if (m.startsWith("v0/")) return single(Surface.WORKER_V0, m.substring(3));
            return single(Surface.WORKER_V0, trim(m, "Worker."));
        };
    }

    private static Route single(Surface s, String method) {
        return method.indexOf('/') >= 0 ? null : new Route(s, method);
    }

    private static String under(String path, String prefix) {
        return path.startsWith(prefix) ? path.substring(prefix.length()) : null;
    }

    private static String trim(String method, String servicePrefix) {
        return method.startsWith(servicePrefix) ? method.substring(servicePrefix.length()) : method;
    }
}
