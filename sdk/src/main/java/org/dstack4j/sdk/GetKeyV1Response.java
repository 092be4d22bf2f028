package org.dstack4j.sdk;

import java.util.Arrays;
import java.util.List;

/**
 * Answer of v1 {@code GetKey}. Holds a secret: {@link #toString()} never shows the key.
 *
 * @param key            the derived 32-byte private key (secp256k1 scalar or ed25519 seed)
 * @param publicKey      SEC1 compressed (33 bytes) for secp256k1, raw 32 bytes for ed25519
 * @param signatureChain {@code [app root key over the v1 key claim (65 bytes r‖s‖v), KMS over the app root key]}
 *                       (Dstack-TEE/dstack docs/guest-api-v1.md "The signature chain")
 */
public record GetKeyV1Response(byte[] key, byte[] publicKey, List<byte[]> signatureChain) {

    public GetKeyV1Response {
        key = key.clone();
        publicKey = publicKey.clone();
        signatureChain = signatureChain.stream().map(byte[]::clone).toList();
    }

    /** A copy of the private key bytes. */
    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** Copies of the signatures, in chain order. */
    @Override
    public List<byte[]> signatureChain() {
        return signatureChain.stream().map(byte[]::clone).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GetKeyV1Response r && Arrays.equals(key, r.key) && Arrays.equals(publicKey, r.publicKey)
                && SignResponse.sameList(signatureChain, r.signatureChain);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(publicKey);
    }

    @Override
    public String toString() {
        return "GetKeyV1Response[key=(" + key.length + " bytes, hidden), publicKey=" + Hex.encode(publicKey)
                + ", signatureChain=" + signatureChain.stream().map(Hex::encode).toList() + "]";
    }
}
