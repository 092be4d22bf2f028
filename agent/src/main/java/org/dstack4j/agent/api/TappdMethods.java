package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.agent.pki.P256Key;

/**
 * The legacy Tappd service (dstack v0.5.11 {@code Tappd} in {@code agent_rpc.proto}), served on its own
 * socket:
 * <ul>
 *   <li>{@code DeriveKey}: a P-256 key = HKDF-SHA256("RATLS", ikm = app key (or 32 random bytes with
 *       {@code random_seed}), info = path) with a certificate from the app CA;</li>
 *   <li>{@code DeriveK256Key}: GetKey with fields {@code k256_key}, {@code k256_signature_chain};</li>
 *   <li>{@code TdxQuote}: report data = hash({@code prefix} ":" {@code report_data}) zero-padded to 64,
 *       prefix {@code app-data} unless given, hash one of {@link #HASHES} ({@code sha512} when empty), or
 *       {@code raw} (exactly 64 bytes, used as they are); {@code RawQuote} is TdxQuote with {@code raw}.</li>
 * </ul>
 */
final class TappdMethods {
    /** The hash algorithms dstack's {@code to_report_data_with_hash} accepts, besides {@code raw}. */
    static final java.util.List<String> HASHES = java.util.List.of("sha256", "sha384", "sha512", "sha3-256",
            "sha3-384", "sha3-512", "keccak256", "keccak384", "keccak512");
    /** Largest TdxQuote content; it is hashed, so only the body cap really bounds it. */
    private static final int MAX_CONTENT_BYTES = 32 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GuestApi api;
    private final KeySource source;
    private final KeyMethods keyMethods;
    private final TlsKeyMethod tlsKey;
    private final SecureRandom random = new SecureRandom();

    TappdMethods(GuestApi api, KeySource source, KeyMethods keyMethods, TlsKeyMethod tlsKey) {
        this.api = api;
        this.source = source;
        this.keyMethods = keyMethods;
        this.tlsKey = tlsKey;
    }

    ObjectNode deriveKey(Params p) throws GuestApiException, TeeException {
        String path = p.string("path").orElse("");
        if (path.getBytes(StandardCharsets.UTF_8).length > KeyMethods.MAX_TEXT_BYTES) {
            throw GuestApiException.badRequest("path is longer than " + KeyMethods.MAX_TEXT_BYTES + " bytes");
        }
        byte[] seed;
        if (p.bool("random_seed", false)) {
            seed = new byte[32];
            random.nextBytes(seed);
        } else {
            seed = KeyMethods.appKeys(source).k256Key();
        }
        P256Key key;
        try {
            key = P256Key.fromScalar(AppKeys.deriveKey(seed, path.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            throw GuestApiException.internal("failed to decode derived secret key; use another path");
        }
        return tlsKey.issue(p, key.keyPair(), false);
    }

    ObjectNode deriveK256Key(Params p) throws GuestApiException {
        ObjectNode k = keyMethods.getKey(p);
        ObjectNode out = JSON.createObjectNode();
        out.set("k256_key", k.get("key"));
        out.set("k256_signature_chain", k.get("signature_chain"));
        return out;
    }

    ObjectNode tdxQuote(Params p) throws GuestApiException, TeeException {
        String hash = p.string("hash_algorithm").orElse("");
        if (hash.isEmpty()) hash = "sha512";
        String prefix = p.string("prefix").orElse("");
        byte[] content = p.hex("report_data", MAX_CONTENT_BYTES);
        byte[] reportData = reportData(hash, prefix.isEmpty() ? "app-data" : prefix, content);
        ObjectNode q = api.quoteResponse(reportData);
        ObjectNode out = JSON.createObjectNode();
        out.set("quote", q.get("quote"));
        out.set("event_log", q.get("event_log"));
        out.put("hash_algorithm", hash);
        // dstack answers the default tag here even when the caller chose its own prefix
        out.put("prefix", hash.equals("raw") ? "" : "app-data");
        return out;
    }

    ObjectNode rawQuote(Params p) throws GuestApiException, TeeException {
        ObjectNode args = JSON.createObjectNode();
        p.string("report_data").ifPresent(v -> args.put("report_data", v));
        args.put("hash_algorithm", "raw");
        return tdxQuote(new Params(args));
    }

    /** dstack's {@code to_report_data_with_hash}: {@code hash(tag ‖ ":" ‖ content)} zero-padded, or raw content. */
    static byte[] reportData(String hash, String tag, byte[] content) throws GuestApiException {
        if (hash.equals("raw")) {
            if (content.length != 64) {
                throw GuestApiException.badRequest("invalid content length: raw report_data must be exactly 64 bytes, got "
                        + content.length);
            }
            return content.clone();
        }
        Digest d = switch (hash) {
            case "sha256" -> new SHA256Digest();
            case "sha384" -> new SHA384Digest();
            case "sha512" -> new SHA512Digest();
            case "sha3-256" -> new SHA3Digest(256);
            case "sha3-384" -> new SHA3Digest(384);
            case "sha3-512" -> new SHA3Digest(512);
            case "keccak256" -> new KeccakDigest(256);
            case "keccak384" -> new KeccakDigest(384);
            case "keccak512" -> new KeccakDigest(512);
            default -> throw GuestApiException.badRequest("invalid hash algorithm '" + hash + "'; use raw or one of " + HASHES);
        };
        byte[] t = tag.getBytes(StandardCharsets.UTF_8);
        d.update(t, 0, t.length);
        d.update((byte) ':');
        d.update(content, 0, content.length);
        byte[] out = new byte[64];
        d.doFinal(out, 0);
        return out;
    }
}
