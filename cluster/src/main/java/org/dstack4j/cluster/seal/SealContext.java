package org.dstack4j.cluster.seal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.cluster.binding.ClusterRef;

/**
 * What an onboard message is bound to (docs/cluster-protocol.md "Sealing the secret"): HPKE
 * {@code info = "dstack4j/cluster/onboard/v1" ‖ uint256(chainId) ‖ contract (20) ‖ uint256(requestId) ‖ uint64_be(epoch)}
 * and {@code aad = keccak256(evidence)} of the request.
 *
 * @param cluster      chain id and contract
 * @param requestId    the join request's id, ≥ 0
 * @param epoch        the secret's generation, ≥ 1
 * @param evidenceHash the request's {@code evidenceHash}, 32 bytes
 */
public record SealContext(ClusterRef cluster, BigInteger requestId, long epoch, byte[] evidenceHash) {
    /** The fixed prefix of {@link #info()}. */
    public static final String INFO_PREFIX = "dstack4j/cluster/onboard/v1";

    public SealContext {
        Objects.requireNonNull(cluster, "cluster");
        if (requestId == null || requestId.signum() < 0) throw new IllegalArgumentException("request id must be ≥ 0");
        if (epoch < 1) throw new IllegalArgumentException("epoch starts at 1, got " + epoch);
        if (evidenceHash == null || evidenceHash.length != 32) throw new IllegalArgumentException("evidenceHash must be 32 bytes");
        evidenceHash = evidenceHash.clone();
    }

    @Override
    public byte[] evidenceHash() {
        return evidenceHash.clone();
    }

    /** The HPKE info string. */
    public byte[] info() {
        byte[] prefix = INFO_PREFIX.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(prefix.length + 32 + 20 + 32 + 8).put(prefix).put(Words.uint256(cluster.chainId()))
                .put(cluster.contract().bytes()).put(Words.uint256(requestId)).putLong(epoch).array();
    }

    /** The HPKE aad: the evidence hash. */
    public byte[] aad() {
        return evidenceHash.clone();
    }
}
