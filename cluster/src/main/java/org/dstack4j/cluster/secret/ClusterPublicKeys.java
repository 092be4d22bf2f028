package org.dstack4j.cluster.secret;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.dstack4j.chain.Address;

/**
 * The cluster's public identity, derived from the secret: what the contract stores ({@code clusterSigner},
 * {@code clusterEncKey}) and what a node's measured app-compose pins.
 *
 * @param signer address of the cluster signer key (secp256k1)
 * @param encKey the cluster X25519 public key, 32 bytes
 */
public record ClusterPublicKeys(Address signer, byte[] encKey) {
    public ClusterPublicKeys {
        Objects.requireNonNull(signer, "signer");
        if (encKey == null || encKey.length != 32) throw new IllegalArgumentException("the cluster encryption key is 32 bytes");
        encKey = encKey.clone();
    }

    @Override
    public byte[] encKey() {
        return encKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterPublicKeys k && signer.equals(k.signer) && MessageDigest.isEqual(encKey, k.encKey);
    }

    @Override
    public int hashCode() {
        return 31 * signer.hashCode() + Arrays.hashCode(encKey);
    }

    @Override
    public String toString() {
        return "ClusterPublicKeys[signer=" + signer + ", encKey=0x" + HexFormat.of().formatHex(encKey) + "]";
    }
}
