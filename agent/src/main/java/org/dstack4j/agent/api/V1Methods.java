package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.K256;
import org.dstack4j.agent.keys.KeyDerivationV1;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.sdk.Hex;

/**
 * The v1 guest API's own methods (Dstack-TEE/dstack {@code docs/guest-api-v1.md}): {@code GetKey(domain,
 * algorithm)} with the v1 derivation and claim, {@code IssueCert} (v0's GetTlsKey renamed), and the v1
 * {@code Info} shape (no {@code tcb_info}, no {@code app_cert}, {@code app_compose} verbatim at top level).
 */
final class V1Methods {
    /** Longest domain accepted, in UTF-8 bytes (as v0's path). */
    static final int MAX_DOMAIN_BYTES = KeyMethods.MAX_TEXT_BYTES;
    static final int CACHE_ENTRIES = KeyMethods.CACHE_ENTRIES;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GuestApi api;
    private final KeySource source;
    private final TlsKeyMethod tlsKey;

    /** The keys are part of the input: a source whose keys change never answers from the old ones. */
    private record Input(AppKeys keys, String domain, String algorithm) {}

    /** Never exposed outside this class; arrays are not modified after construction. */
    private record Derived(byte[] key, byte[] publicKey, byte[] claimSignature) {}

    /* Derivation is deterministic (RFC 6979), so answers are cached as v0's are. Guarded by itself. */
    private final Map<Input, Derived> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Input, Derived> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    V1Methods(GuestApi api, KeySource source, TlsKeyMethod tlsKey) {
        this.api = api;
        this.source = source;
        this.tlsKey = tlsKey;
    }

    ObjectNode getKey(Params p) throws GuestApiException {
        String domain = p.string("domain").orElse("");
        if (domain.getBytes(StandardCharsets.UTF_8).length > MAX_DOMAIN_BYTES) {
            throw GuestApiException.badRequest("domain is longer than " + MAX_DOMAIN_BYTES + " bytes");
        }
        String algorithm = p.string("algorithm").orElse("");
        if (!algorithm.equals("secp256k1") && !algorithm.equals("ed25519")) {
            throw GuestApiException.badRequest("unsupported algorithm "
                    + (algorithm.isEmpty() ? "(none given)" : "'" + algorithm + "'") + "; use secp256k1 or ed25519");
        }
        AppKeys keys = KeyMethods.appKeys(source);
        Derived d = derive(new Input(keys, domain, algorithm));
        ObjectNode out = JSON.createObjectNode();
        out.put("key", Hex.encode(d.key()));
        out.put("public_key", Hex.encode(d.publicKey()));
        ArrayNode chain = out.putArray("signature_chain");
        chain.add(Hex.encode(d.claimSignature()));
        chain.add(Hex.encode(keys.k256Signature()));
        return out;
    }

    private Derived derive(Input in) throws GuestApiException {
        synchronized (cache) {
            Derived hit = cache.get(in);
            if (hit != null) return hit;
        }
        byte[] domain = in.domain().getBytes(StandardCharsets.UTF_8);
        byte[] root = in.keys().k256Key();
        byte[] key = KeyDerivationV1.deriveKey(root, in.algorithm(), domain);
        byte[] publicKey;
        if (in.algorithm().equals("ed25519")) {
            publicKey = new Ed25519PrivateKeyParameters(key, 0).generatePublicKey().getEncoded();
        } else {
            if (!K256.isValidSecret(key)) {
                throw GuestApiException.badRequest("derived key is not a valid secp256k1 scalar; use another domain");
            }
            publicKey = K256.publicKey(key);
        }
        Derived d = new Derived(key, publicKey, KeyDerivationV1.claimSignature(root, in.algorithm(), domain, publicKey));
        synchronized (cache) {
            cache.put(in, d);
        }
        return d;
    }

    ObjectNode issueCert(Params p) throws GuestApiException, TeeException {
        return tlsKey.call(p);
    }

    /**
     * v1 Info. {@code external} (v1 Worker) blanks {@code app_compose}, {@code vm_config} and
     * {@code key_provider_info} unless the app-compose sets {@code public_tcbinfo}.
     */
    ObjectNode info(boolean external) {
        boolean hide = external && !api.publicTcbInfo();
        TeeBackend.Measurements m = api.backend().measurements();
        TeeBackend.PlatformInfo platform = api.backend().platform();
        var log = m.eventLog();
        ObjectNode out = JSON.createObjectNode();
        out.put("app_id", Hex.encode(GuestApi.bootPayload(log, "app-id")));
        out.put("app_name", GuestApi.appName(platform.appCompose()));
        out.put("compose_hash", Hex.encode(GuestApi.bootPayload(log, "compose-hash")));
        out.put("app_compose", hide ? "" : platform.appCompose());
        out.put("instance_id", Hex.encode(GuestApi.bootPayload(log, "instance-id")));
        out.put("device_id", Hex.encode(platform.deviceId()));
        out.put("os_image_hash", Hex.encode(platform.osImageHash()));
        out.put("mr_aggregated", Hex.encode(GuestApi.mrAggregated(m)));
        out.put("vm_config", hide ? "" : platform.vmConfig());
        out.put("key_provider_info", hide ? "" : new String(GuestApi.bootPayload(log, "key-provider"), StandardCharsets.UTF_8));
        out.put("cloud_vendor", platform.cloudVendor());
        out.put("cloud_product", platform.cloudProduct());
        return out;
    }
}
