package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.K256;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.agent.keys.KeysUnavailableException;
import org.dstack4j.sdk.Hex;

/**
 * GetKey, Sign and Verify as dstack's agent computes them (docs/guest-api.md "Key
 * derivation"): derived key = HKDF-SHA256(salt "RATLS", ikm = app k256 key, info = path), 32 bytes;
 * the app key signs Keccak-256("{purpose}:{hex(pubkey)}") (recoverable, 65 bytes); the chain ends
 * with the KMS signature over the app key. Sign uses path "vms", purpose "signing".
 */
final class KeyMethods {
    /** Longest path or purpose accepted, in UTF-8 bytes. */
    static final int MAX_TEXT_BYTES = 1024;

    /** Derived keys remembered, most recently used first; beyond this the least recent is dropped. */
    static final int CACHE_ENTRIES = 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KeySource source;
    /*
     * Derivation costs about nine secp256k1 scalar multiplications (public key, RFC 6979 signature,
     * recovery id); its result depends only on (path, purpose, algorithm) and the app key, because
     * the signature is deterministic, so a cache returns byte-identical answers. Guarded by itself.
     */
    private final Map<DeriveInput, Derived> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<DeriveInput, Derived> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    /** Fixed keys (the local key provider). */
    KeyMethods(AppKeys keys) {
        this(KeySource.fixed(keys, null));
    }

    KeyMethods(KeySource source) {
        this.source = source;
    }

    /** The app keys now; a source that is not ready (cluster node without the secret) is a 503. */
    static AppKeys appKeys(KeySource source) throws GuestApiException {
        try {
            return source.keys().appKeys();
        } catch (KeysUnavailableException e) {
            throw GuestApiException.unavailable(e.getMessage());
        }
    }

    /** The keys are part of the input: a source whose keys change never answers from the old ones. */
    private record DeriveInput(AppKeys keys, String path, String purpose, String algorithm) {}

    /** Never exposed outside this class; arrays are not modified after construction. */
    private record Derived(byte[] key, byte[] publicKey, byte[] keySignature) {}

    ObjectNode getKey(Params p) throws GuestApiException {
        AppKeys keys = appKeys(source);
        Derived d = derive(keys, text(p, "path"), text(p, "purpose"), algorithm(p, "secp256k1"));
        ObjectNode out = JSON.createObjectNode();
        out.put("key", Hex.encode(d.key()));
        ArrayNode chain = out.putArray("signature_chain");
        chain.add(Hex.encode(d.keySignature()));
        chain.add(Hex.encode(keys.k256Signature()));
        return out;
    }

    ObjectNode sign(Params p) throws GuestApiException {
        String algorithm = algorithm(p, "");
        byte[] data = p.hex("data", GuestApi.MAX_EVENT_PAYLOAD_BYTES * 2);
        AppKeys keys = appKeys(source);
        Derived d;
        byte[] signature;
        switch (algorithm) {
            case "ed25519" -> {
                d = derive(keys, "vms", "signing", "ed25519");
                Ed25519Signer s = new Ed25519Signer();
                s.init(true, new Ed25519PrivateKeyParameters(d.key(), 0));
                s.update(data, 0, data.length);
                signature = s.generateSignature();
            }
            case "secp256k1" -> {
                d = derive(keys, "vms", "signing", "secp256k1");
                signature = K256.sign(d.key(), data);
            }
            case "secp256k1_prehashed" -> {
                if (data.length != 32) {
                    throw GuestApiException.badRequest(
                            "Pre-hashed signing requires a 32-byte digest, but received " + data.length + " bytes");
                }
                d = derive(keys, "vms", "signing", "secp256k1");
                signature = K256.signPrehash(d.key(), data);
            }
            default -> throw unsupported(algorithm);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("signature", Hex.encode(signature));
        ArrayNode chain = out.putArray("signature_chain");
        chain.add(Hex.encode(signature));
        chain.add(Hex.encode(d.keySignature()));
        chain.add(Hex.encode(keys.k256Signature()));
        out.put("public_key", Hex.encode(d.publicKey()));
        return out;
    }

    ObjectNode verify(Params p) throws GuestApiException {
        String algorithm = algorithm(p, "");
        byte[] data = p.hex("data", GuestApi.MAX_EVENT_PAYLOAD_BYTES * 2);
        byte[] signature = p.hex("signature", 128);
        byte[] publicKey = p.hex("public_key", 65);
        boolean valid = switch (algorithm) {
            case "ed25519" -> {
                if (publicKey.length != 32 || signature.length != 64) {
                    throw GuestApiException.badRequest("ed25519 needs a 32-byte public_key and a 64-byte signature");
                }
                Ed25519Signer v = new Ed25519Signer();
                try {
                    v.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
                } catch (IllegalArgumentException e) {
                    throw GuestApiException.badRequest("invalid public key");
                }
                v.update(data, 0, data.length);
                yield v.verifySignature(signature);
            }
            case "secp256k1", "secp256k1_prehashed" -> {
                if (publicKey.length != 33 && publicKey.length != 65 || signature.length != 64) {
                    throw GuestApiException.badRequest(
                            "secp256k1 needs a SEC1 public_key (33 or 65 bytes) and a 64-byte signature");
                }
                if (algorithm.equals("secp256k1")) {
                    yield K256.verify(publicKey, data, signature);
                }
                if (data.length != 32) {
                    throw GuestApiException.badRequest("secp256k1_prehashed needs a 32-byte digest as data");
                }
                yield K256.verifyPrehash(publicKey, data, signature);
            }
            default -> throw unsupported(algorithm);
        };
        ObjectNode out = JSON.createObjectNode();
        out.put("valid", valid);
        return out;
    }

    /** The public key {@code GetKey} derives for these inputs (SEC1 compressed or raw ed25519); for Worker's app-key attestation. */
    byte[] publicKey(String path, String purpose, String algorithm) throws GuestApiException {
        return derive(appKeys(source), path, purpose, algorithm).publicKey().clone();
    }

    private Derived derive(AppKeys keys, String path, String purpose, String algorithm) throws GuestApiException {
        DeriveInput input = new DeriveInput(keys, path, purpose, algorithm);
        synchronized (cache) {
            Derived hit = cache.get(input);
            if (hit != null) {
                return hit;
            }
        }
        Derived d = computeDerived(keys, path, purpose, algorithm);
        synchronized (cache) {
            cache.put(input, d);
        }
        return d;
    }

    private static Derived computeDerived(AppKeys keys, String path, String purpose, String algorithm) throws GuestApiException {
        byte[] key = AppKeys.deriveKey(keys.k256Key(), path.getBytes(StandardCharsets.UTF_8));
        byte[] publicKey = switch (algorithm) {
            case "ed25519" -> new Ed25519PrivateKeyParameters(key, 0).generatePublicKey().getEncoded();
            case "secp256k1" -> {
                if (!K256.isValidSecret(key)) {
                    throw GuestApiException.internal("derived key is not a valid secp256k1 scalar; use another path");
                }
                yield K256.publicKey(key);
            }
            default -> throw unsupported(algorithm);
        };
        byte[] message = (purpose + ":" + Hex.encode(publicKey)).getBytes(StandardCharsets.UTF_8);
        return new Derived(key, publicKey, K256.signRecoverable(keys.k256Key(), K256.keccak256(message)));
    }

    private static String algorithm(Params p, String dflt) throws GuestApiException {
        String a = p.string("algorithm").orElse(dflt);
        if (a.isEmpty() && !dflt.isEmpty()) a = dflt;
        return a.equals("k256") ? "secp256k1" : a;
    }

    private static String text(Params p, String field) throws GuestApiException {
        String s = p.string(field).orElse("");
        if (s.getBytes(StandardCharsets.UTF_8).length > MAX_TEXT_BYTES) {
            throw GuestApiException.badRequest(field + " is longer than " + MAX_TEXT_BYTES + " bytes");
        }
        return s;
    }

    private static GuestApiException unsupported(String algorithm) {
        return GuestApiException.badRequest("Unsupported algorithm " + (algorithm.isEmpty() ? "(none given)" : algorithm)
                + "; use ed25519, secp256k1 (k256) or secp256k1_prehashed");
    }
}
