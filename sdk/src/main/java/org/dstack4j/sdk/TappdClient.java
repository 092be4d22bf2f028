package org.dstack4j.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Client for the legacy Tappd service ({@code /prpc/Tappd.<Method>} on {@code /var/run/tappd.sock}),
 * which dstack 0.5.x still serves for apps written before the DstackGuest API; the official SDKs call
 * it {@code TappdClient} too. New code should use {@link DstackClient}.
 *
 * {@snippet :
 * try (TappdClient tappd = TappdClient.discover()) {              // TAPPD_SIMULATOR_ENDPOINT or /var/run/tappd.sock
 *     GetTlsKeyResponse k = tappd.deriveKey("my-app", "app.example", List.of());  // P-256 key + certificate
 *     TdxQuoteResponse q = tappd.tdxQuote(userData, "sha512");    // report data = sha512("app-data:" ‖ userData)
 *     InfoResponse info = tappd.info();
 * }
 * }
 */
public final class TappdClient implements AutoCloseable {
    /** Production socket of the Tappd service. */
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/tappd.sock");
    /** Environment variable naming a Tappd socket or URL, as the official SDKs read it. */
    public static final String ENDPOINT_VARIABLE = "TAPPD_SIMULATOR_ENDPOINT";

    private final DstackClient client;

    /** Wraps a client built for the Tappd endpoint (its timeout and response cap apply). */
    public TappdClient(DstackClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** A client with default timeout and cap for a socket path or http(s) URL. */
    public static TappdClient of(String endpoint) {
        return new TappdClient(DstackClient.builder().endpoint(endpoint).build());
    }

    /**
     * The endpoint named by {@value #ENDPOINT_VARIABLE}, else {@link #DEFAULT_SOCKET}.
     *
     * @throws DstackException.NoEndpoint when the variable is unset and the socket does not exist
     */
    public static TappdClient discover() throws DstackException.NoEndpoint {
        String env = System.getenv(ENDPOINT_VARIABLE);
        if (env != null && !env.isBlank()) return of(env);
        if (Files.exists(DEFAULT_SOCKET)) return of(DEFAULT_SOCKET.toString());
        throw new DstackException.NoEndpoint(List.of(DEFAULT_SOCKET), ENDPOINT_VARIABLE);
    }

    /**
     * {@code DeriveKey}: a P-256 key derived from the app key for {@code path}, with a certificate.
     *
     * @throws DstackException if the call fails or the answer lacks {@code key}
     */
    public GetTlsKeyResponse deriveKey(String path, String subject, List<String> altNames) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("path", Objects.requireNonNull(path, "path"))
                .put("subject", Objects.requireNonNull(subject, "subject"))
                .put("usage_server_auth", true);
        altNames.forEach(req.putArray("alt_names")::add);
        return client.read("prpc/Tappd.DeriveKey", req,
                f -> new GetTlsKeyResponse(f.requiredString("key"), f.strings("certificate_chain")));
    }

    /**
     * {@code DeriveK256Key}: the same key and chain as DstackGuest's {@code GetKey} (secp256k1).
     *
     * @throws DstackException if the call fails or the answer lacks {@code k256_key}
     */
    public GetKeyResponse deriveK256Key(String path, String purpose) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("path", Objects.requireNonNull(path, "path"))
                .put("purpose", purpose == null ? "" : purpose);
        return client.read("prpc/Tappd.DeriveK256Key", req,
                f -> new GetKeyResponse(f.requiredHex("k256_key"), f.hexList("k256_signature_chain")));
    }

    /**
     * {@code TdxQuote}: a quote whose report data is {@code hash("app-data:" ‖ reportData)}, zero-padded.
     *
     * @param hashAlgorithm {@code sha256}, {@code sha384}, {@code sha512} (default when null), {@code sha3-256},
     *                      {@code sha3-384}, {@code sha3-512}, {@code keccak256}, {@code keccak384},
     *                      {@code keccak512}, or {@code raw} (then {@code reportData} must be 64 bytes)
     * @throws DstackException if the call fails (400 for an unknown hash)
     */
    public TdxQuoteResponse tdxQuote(byte[] reportData, String hashAlgorithm) throws DstackException {
        return tdxQuote(reportData, hashAlgorithm, "");
    }

    /** {@code TdxQuote} with the caller's {@code prefix} as the hashed tag instead of {@code app-data}. */
    public TdxQuoteResponse tdxQuote(byte[] reportData, String hashAlgorithm, String prefix) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("report_data", Hex.encode(Objects.requireNonNull(reportData, "reportData")))
                .put("hash_algorithm", hashAlgorithm == null ? "" : hashAlgorithm)
                .put("prefix", prefix == null ? "" : prefix);
        return quote("prpc/Tappd.TdxQuote", req);
    }

    /**
     * {@code RawQuote}: a quote over exactly these 64 bytes of report data.
     *
     * @throws IllegalArgumentException if {@code reportData} is not 64 bytes (checked before any I/O)
     */
    public TdxQuoteResponse rawQuote(byte[] reportData) throws DstackException {
        if (reportData.length != 64) {
            throw new IllegalArgumentException("raw report data must be exactly 64 bytes, got " + reportData.length);
        }
        return quote("prpc/Tappd.RawQuote", Json.MAPPER.createObjectNode().put("report_data", Hex.encode(reportData)));
    }

    /** {@code Info}: as DstackGuest's v0 Info. */
    public InfoResponse info() throws DstackException {
        return client.info("prpc/Tappd.Info");
    }

    /** {@code Version}. */
    public VersionResponse version() throws DstackException {
        return client.read("prpc/Tappd.Version", Json.MAPPER.createObjectNode(),
                f -> new VersionResponse(f.requiredString("version"), f.string("rev")));
    }

    private TdxQuoteResponse quote(String path, ObjectNode req) throws DstackException {
        return client.read(path, req, f -> new TdxQuoteResponse(f.requiredHex("quote"),
                DstackClient.eventLog(f).entries(), f.string("hash_algorithm"), f.string("prefix")));
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "TappdClient[" + client.endpoint().describe() + "]";
    }
}
