package org.dstack4j.sdk;

import java.util.Arrays;
import java.util.List;

/**
 * Answer of {@code GetKey}. Holds a secret: {@link #toString()} never shows the key.
 *
 * @param key            the derived 32-byte private key
 * @param signatureChain {@code [app signature (65 bytes r‖s‖v), KMS signature]} per the spec
 */
public record GetKeyResponse(byte[] key, List<byte[]> signatureChain) {

    public GetKeyResponse {
        key = key.clone();
        signatureChain = signatureChain.stream().map(byte[]::clone).toList();
    }

    /** A copy of the private key bytes. */
    @Override
    public byte[] key() {
        return key.clone();
    }

    /** Copies of the signatures, in chain order. */
    @Override
    public List<byte[]> signatureChain() {
        return signatureChain.stream().map(byte[]::clone).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GetKeyResponse r && Arrays.equals(key, r.key) && SignResponse.sameList(signatureChain, r.signatureChain);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + signatureChain.stream().mapToInt(Arrays::hashCode).sum();
    }

    @Override
    public String toString() {
        return "GetKeyResponse[key=(" + key.length + " bytes, hidden), signatureChain="
                + signatureChain.stream().map(Hex::encode).toList() + "]";
    }
}
