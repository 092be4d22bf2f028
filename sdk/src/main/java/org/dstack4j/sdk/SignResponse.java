package org.dstack4j.sdk;

import java.util.Arrays;
import java.util.List;

/**
 * Answer of {@code Sign}.
 *
 * @param signature      the signature bytes (64 for ed25519, 65 r‖s‖v for secp256k1)
 * @param signatureChain signatures linking the signing key to the app and KMS keys
 * @param publicKey      the signing public key
 */
public record SignResponse(byte[] signature, List<byte[]> signatureChain, byte[] publicKey) {

    public SignResponse {
        signature = signature.clone();
        signatureChain = signatureChain.stream().map(byte[]::clone).toList();
        publicKey = publicKey.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public List<byte[]> signatureChain() {
        return signatureChain.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    static boolean sameList(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) return false;
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignResponse r && Arrays.equals(signature, r.signature)
                && sameList(signatureChain, r.signatureChain) && Arrays.equals(publicKey, r.publicKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature) * 31 + Arrays.hashCode(publicKey);
    }

    @Override
    public String toString() {
        return "SignResponse[signature=" + Hex.encode(signature) + ", signatureChain="
                + signatureChain.stream().map(Hex::encode).toList() + ", publicKey=" + Hex.encode(publicKey) + "]";
    }
}
