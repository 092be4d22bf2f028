package org.dstack4j.attestation.dcap;

import java.net.URI;
import java.util.Optional;

/**
 * Collateral could not be fetched from a PCCS / Intel PCS: connection failure or timeout, a non-200
 * answer, a missing issuer-chain header, an oversized or malformed body. The message names the URL
 * (FMSPC and CA type in its query) and the problem; {@link #atOrigin()} names only the server, for pages
 * that must not show an operator's URL (it may carry user info or a token in its path).
 */
public final class PccsException extends Exception {
    private final String url;
    private final String reason;

    public PccsException(String message) {
        this(null, message, null);
    }

    public PccsException(String message, Throwable cause) {
        this(null, message, cause);
    }

    private PccsException(String url, String reason, Throwable cause) {
        super(url == null ? reason : url + ": " + reason, cause);
        this.url = url;
        this.reason = reason;
    }

    /** A failure of the request to {@code url}; the message is {@code url: reason}. */
    static PccsException at(String url, String reason) {
        return new PccsException(url, reason, null);
    }

    static PccsException at(String url, String reason, Throwable cause) {
        return new PccsException(url, reason, cause);
    }

    /** The request's URL, when the failure was one request's. */
    public Optional<String> url() {
        return Optional.ofNullable(url);
    }

    /** The message with the URL reduced to {@code scheme://host:port} ({@link #origin}). */
    public String atOrigin() {
        return url == null ? reason : origin(url) + ": " + reason;
    }

    /**
     * {@code scheme://host:port} of {@code url} (the default port filled in): no user info, path or query.
     * {@code "(unparsable URL)"} when it does not parse.
     */
    public static String origin(String url) {
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || u.getHost() == null) return "(unparsable URL)";
            int port = u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
            return u.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + u.getHost() + ":" + port;
        } catch (java.net.URISyntaxException e) {
            return "(unparsable URL)";
        }
    }
}
