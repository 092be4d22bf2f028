package org.dstack4j.cluster.apps;

import java.util.Arrays;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.secret.EcKey;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * An EVM-verifiable attestation: the cluster signer's EIP-712 {@code Attestation(appId, keccak256(data))}
 * (docs/cluster-protocol.md), which the contract's {@code verifyAttestation(appId, data, signature)} accepts.
 *
 * @param appId32   the 20-byte app id left-padded to 32 bytes ({@code bytes32(uint256(uint160(appId)))})
 * @param dataHash  keccak256(data)
 * @param signature 65 bytes {@code r ‖ s ‖ v}, low s, v ∈ {27, 28}
 * @param signer    the cluster signer's address
 * @param cluster   the chain and contract
 */
public record AppAttestation(byte[] appId32, byte[] dataHash, byte[] signature, Address signer, ClusterRef cluster) {

    /** {@code bytes32(uint256(uint160(appId)))} of a 20-byte app id. */
    public static byte[] appId32(byte[] appId) {
        if (appId.length != 20) throw new IllegalArgumentException("an app id is 20 bytes, got " + appId.length);
        byte[] out = new byte[32];
        System.arraycopy(appId, 0, out, 12, 20);
        return out;
    }

    /** Signs {@code data} for {@code appId} (20 bytes) with the cluster signer. */
    public static AppAttestation sign(KeyDerivation kd, ClusterRef cluster, byte[] appId, byte[] data) {
        byte[] app32 = appId32(appId);
        try (EcKey s = kd.signerKey()) {
            byte[] scalar = s.privateScalar();
            try {
                SigningKey key = SigningKey.of(scalar);
                byte[] sig = key.sign(cluster.typedData().attestationDigest(app32, data)).toBytes();
                return new AppAttestation(app32, Keccak.keccak256(data), sig, key.address(), cluster);
            } finally {
                Arrays.fill(scalar, (byte) 0);
            }
        }
    }
}
