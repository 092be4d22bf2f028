package org.dstack4j.cluster.binding;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * What a node's measured app-compose says about its cluster: the top-level object
 * <pre>{@code "dstack4j_cluster": {"chain_id": 31337, "contract": "0x…", "signer": "0x…", "enc_key": "0x<64 hex>",
 *                      "allow_test_root": false,
 *                      "rpc": ["https://rpc-a.example", "https://rpc-b.example", "https://rpc-c.example"],
 *                      "rpc_quorum": 2, "rpc_ca": "-----BEGIN CERTIFICATE-----…",
 *                      "tls": {"domain": "app.example.org", "acme_directory": "https://acme-v02.api.letsencrypt.org/directory",
 *                              "acme_root": "-----BEGIN CERTIFICATE-----…", "upstream": "http://app:8080"}}}</pre>
 * {@code signer} and {@code enc_key} (together, or neither) are absent only in a genesis node's compose. Because
 * the compose hash is measured into RTMR3 and checked against the policy, these values are as trustworthy as the
 * measurement: the host cannot point a node at another cluster, enable test roots, or choose the node's RPC providers.
 * {@code rpc} (optional) lists the JSON-RPC endpoints the node reads through its relay's tunnel ({@link RpcPin});
 * {@code tls} (optional) names the site the node serves with the cluster's key and where its certificate comes from
 * ({@link TlsPin}).
 *
 * @param cluster       chain id and contract
 * @param keys          the cluster's public keys; empty before genesis
 * @param allowTestRoot whether a quote chaining to a non-Intel (simulator) root may pass {@code dcap-root}
 * @param rpc           the pinned RPC endpoints and quorum; empty when the compose pins none (a devnet node then
 *                      reads over its {@code --rpc}, chosen by the host)
 * @param tls           the pinned HTTPS site; empty when the compose pins none (a devnet node may then take it from
 *                      flags, chosen by the host)
 */
public record ClusterPin(ClusterRef cluster, Optional<ClusterPublicKeys> keys, boolean allowTestRoot, Optional<RpcPin> rpc,
        Optional<TlsPin> tls) {
    /** The app-compose field. */
    public static final String FIELD = "dstack4j_cluster";
    private static final Set<String> KNOWN = Set.of("chain_id", "contract", "signer", "enc_key", "allow_test_root", "rpc", "rpc_quorum", "rpc_ca",
            "tls");
    private static final Set<String> KNOWN_TLS = Set.of("domain", "acme_directory", "acme_root", "upstream");
    /** Largest PEM text accepted in {@code rpc_ca} or {@code tls.acme_root}. */
    private static final int MAX_PEM_CHARS = 64 * 1024;

    /** A pin without RPC endpoints or TLS site. */
    public ClusterPin(ClusterRef cluster, Optional<ClusterPublicKeys> keys, boolean allowTestRoot) {
        this(cluster, keys, allowTestRoot, Optional.empty(), Optional.empty());
    }

    /** A pin without TLS site. */
    public ClusterPin(ClusterRef cluster, Optional<ClusterPublicKeys> keys, boolean allowTestRoot, Optional<RpcPin> rpc) {
        this(cluster, keys, allowTestRoot, rpc, Optional.empty());
    }

    /**
     * The HTTPS site the cluster's members serve with the key derived for {@code domain} (unstoppable TLS), pinned so
     * the host chooses neither the name, nor the CA the certificate must chain to, nor where decrypted requests go.
     *
     * @param domain        lower-case DNS name (no trailing dot)
     * @param acmeDirectory the ACME directory URL (https)
     * @param acmeRootPem   PEM root certificates the certificate must chain to (the ACME CA's, e.g. ISRG Root X1)
     * @param upstream      the app's plain-HTTP URL inside the CVM every other path is forwarded to; empty: none (404)
     */
    public record TlsPin(String domain, java.net.URI acmeDirectory, String acmeRootPem, Optional<java.net.URI> upstream) {}

    /**
     * The chain endpoints a node reads, pinned: it reads each through its host relay's tunnel ({@code CONNECT}), with
     * TLS ended inside the CVM, and needs {@code quorum} of them to agree on every read.
     *
     * @param endpoints http(s) URLs, distinct, at least one; plain http only in a pin that also allows test roots (a
     *                  devnet: over http the relay can rewrite every read). The compose is public (it travels in the
     *                  join evidence), so a URL must carry no secret API key
     * @param quorum    how many must agree: 1 with one endpoint, otherwise a strict majority
     * @param caPem     PEM CA certificates an https endpoint must chain to; empty: the JDK's trust store
     */
    public record RpcPin(java.util.List<java.net.URI> endpoints, int quorum, Optional<String> caPem) {
        public RpcPin {
            endpoints = java.util.List.copyOf(endpoints);
        }
    }
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * Reads the pin from app-compose text.
     *
     * @return empty when the compose has no {@value #FIELD} field
     * @throws PinFormatException naming the field that is wrong
     */
    public static Optional<ClusterPin> fromCompose(String appCompose) throws PinFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(appCompose);
        } catch (JacksonException e) {
            throw new PinFormatException("app-compose is not valid JSON (or repeats a key)");
        }
        if (root == null || !root.isObject()) throw new PinFormatException("app-compose is not a JSON object");
        JsonNode pin = root.get(FIELD);
        if (pin == null) return Optional.empty();
        if (!pin.isObject()) throw new PinFormatException(FIELD + " must be an object");
        for (var it = pin.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!KNOWN.contains(f)) throw new PinFormatException(FIELD + "." + f + " is not a known field (" + KNOWN + ")");
        }
        JsonNode chain = pin.get("chain_id");
        if (chain == null || !chain.canConvertToLong() || !chain.isIntegralNumber() || chain.longValue() <= 0) {
            throw new PinFormatException(FIELD + ".chain_id must be a positive integer");
        }
        Address contract = address(pin, "contract");
        JsonNode signer = pin.get("signer");
        JsonNode enc = pin.get("enc_key");
        if ((signer == null) != (enc == null)) throw new PinFormatException(FIELD + ".signer and enc_key come together (or neither, before genesis)");
        Optional<ClusterPublicKeys> keys = Optional.empty();
        if (signer != null) {
            byte[] key;
            try {
                String t = enc.isTextual() ? enc.textValue() : "";
                key = HexFormat.of().parseHex(t.startsWith("0x") ? t.substring(2) : "x");
            } catch (IllegalArgumentException e) {
                throw new PinFormatException(FIELD + ".enc_key must be 0x and 64 hex digits");
            }
            if (key.length != 32) throw new PinFormatException(FIELD + ".enc_key must be 0x and 64 hex digits");
            keys = Optional.of(new ClusterPublicKeys(address(pin, "signer"), key));
        }
        JsonNode test = pin.get("allow_test_root");
        if (test != null && !test.isBoolean()) throw new PinFormatException(FIELD + ".allow_test_root must be true or false");
        boolean allowTest = test != null && test.booleanValue();
        return Optional.of(new ClusterPin(new ClusterRef(chain.longValue(), contract), keys, allowTest, rpcPin(pin, allowTest), tlsPin(pin)));
    }

    private static Optional<TlsPin> tlsPin(JsonNode pin) throws PinFormatException {
        JsonNode t = pin.get("tls");
        if (t == null) return Optional.empty();
        String f = FIELD + ".tls";
        if (!t.isObject()) throw new PinFormatException(f + " must be an object {domain, acme_directory, acme_root[, upstream]}");
        for (var it = t.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!KNOWN_TLS.contains(n)) throw new PinFormatException(f + "." + n + " is not a known field (" + KNOWN_TLS + ")");
        }
        JsonNode d = t.get("domain");
        String domain = d != null && d.isTextual() ? d.textValue() : "";
        // RFC 1035 host name, lower case (what the certificate names and the key is derived for)
        if (domain.length() > 253 || !domain.matches("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?")) {
            throw new PinFormatException(f + ".domain must be a lower-case DNS name with at least one dot, e.g. app.example.org");
        }
        java.net.URI dir = url(t.get("acme_directory"), f + ".acme_directory", Set.of("https"));
        String roots = pem(t.get("acme_root"), f + ".acme_root");
        Optional<java.net.URI> upstream = Optional.empty();
        if (t.has("upstream")) upstream = Optional.of(url(t.get("upstream"), f + ".upstream", Set.of("http")));
        return Optional.of(new TlsPin(domain, dir, roots, upstream));
    }

    private static java.net.URI url(JsonNode n, String field, Set<String> schemes) throws PinFormatException {
        try {
            java.net.URI u = new java.net.URI(n != null && n.isTextual() ? n.textValue() : "");
            if (u.getScheme() != null && schemes.contains(u.getScheme()) && u.getHost() != null && u.getUserInfo() == null) return u;
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new PinFormatException(field + " must be a " + String.join(" or ", schemes) + " URL with a host and no user info");
    }

    /** PEM X.509 certificates (at least one) as text. */
    private static String pem(JsonNode n, String field) throws PinFormatException {
        String bad = field + " must hold PEM X.509 CA certificates";
        if (n == null || !n.isTextual() || n.textValue().length() > MAX_PEM_CHARS) throw new PinFormatException(bad);
        try {
            if (java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(
                    new java.io.ByteArrayInputStream(n.textValue().getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isEmpty()) {
                throw new PinFormatException(bad);
            }
        } catch (java.security.cert.CertificateException e) {
            throw new PinFormatException(bad);
        }
        return n.textValue();
    }

    private static Optional<RpcPin> rpcPin(JsonNode pin, boolean allowTestRoot) throws PinFormatException {
        JsonNode list = pin.get("rpc");
        if (list == null) {
            if (pin.has("rpc_quorum") || pin.has("rpc_ca")) throw new PinFormatException(FIELD + ".rpc_quorum and rpc_ca need " + FIELD + ".rpc");
            return Optional.empty();
        }
        if (!list.isArray() || list.isEmpty() || list.size() > 16) {
            throw new PinFormatException(FIELD + ".rpc must be a list of 1 to 16 http(s) URLs");
        }
        java.util.List<java.net.URI> endpoints = new java.util.ArrayList<>();
        Set<String> targets = new java.util.HashSet<>();
        for (JsonNode e : list) {
            java.net.URI u;
            try {
                u = new java.net.URI(e.isTextual() ? e.textValue() : "");
            } catch (java.net.URISyntaxException x) {
                throw new PinFormatException(FIELD + ".rpc has a malformed URL");
            }
            String scheme = u.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getUserInfo() != null) {
                throw new PinFormatException(FIELD + ".rpc entries must be http(s) URLs with a host and no user info");
            }
            if (scheme.equals("http") && !allowTestRoot) {
                throw new PinFormatException(FIELD + ".rpc " + u.getHost() + " is plain http: the host relay could rewrite every read; "
                        + "use https (plain http is accepted only in a devnet pin with allow_test_root)");
            }
            int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            // DNS names are case-insensitive and "a.example." is "a.example": compare the canonical form
            String host = u.getHost().toLowerCase(java.util.Locale.ROOT);
            if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
            if (!targets.add(host + ":" + port)) {
                throw new PinFormatException(FIELD + ".rpc names " + u.getHost() + ":" + port + " twice: a quorum needs independent endpoints");
            }
            endpoints.add(u);
        }
        int n = endpoints.size();
        int quorum = n / 2 + 1;
        JsonNode q = pin.get("rpc_quorum");
        if (q != null) {
            if (!q.isIntegralNumber() || !q.canConvertToInt()) throw new PinFormatException(FIELD + ".rpc_quorum must be an integer");
            quorum = q.intValue();
            if (n == 1 ? quorum != 1 : quorum <= n / 2 || quorum > n) {
                throw new PinFormatException(FIELD + ".rpc_quorum must be a strict majority of the " + n + " endpoints (got " + quorum + ")");
            }
        }
        Optional<String> ca = Optional.empty();
        if (pin.has("rpc_ca")) ca = Optional.of(pem(pin.get("rpc_ca"), FIELD + ".rpc_ca"));
        return Optional.of(new RpcPin(endpoints, quorum, ca));
    }

    private static Address address(JsonNode pin, String field) throws PinFormatException {
        JsonNode n = pin.get(field);
        try {
            return Address.parse(n == null || !n.isTextual() ? "" : n.textValue());
        } catch (IllegalArgumentException e) {
            throw new PinFormatException(FIELD + "." + field + " must be 0x and 40 hex digits");
        }
    }

    /** The app-compose's cluster pin is malformed. */
    public static final class PinFormatException extends Exception {
        public PinFormatException(String message) {
            super(message);
        }
    }
}
