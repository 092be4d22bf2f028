package org.dstack4j.launcher.registry;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Optional;

/**
 * One complete HTTP response, body read within the size cap and the deadline.
 *
 * @param uri     the URL that answered (after redirects)
 * @param status  HTTP status code
 * @param headers response headers
 * @param body    the whole body, at most the cap given to the request
 */
public record FetchedResponse(URI uri, int status, HttpHeaders headers, byte[] body) {
    /** The first value of header {@code name} (case-insensitive). */
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }
}
