package org.dstack4j.cluster.binding;

import java.math.BigInteger;
import java.util.Objects;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.contract.ClusterTypedData;

/**
 * Which cluster: the chain and the contract that owns it.
 *
 * @param chainId  the EVM chain id (EIP-155), positive
 * @param contract the cluster contract
 */
public record ClusterRef(long chainId, Address contract) {
    public ClusterRef {
        if (chainId <= 0) throw new IllegalArgumentException("chain id must be positive, got " + chainId);
        Objects.requireNonNull(contract, "contract");
    }

    /** {@code clusterId = keccak256(abi.encode(uint256 chainId, address contract))}, 32 bytes: the HKDF salt. */
    public byte[] clusterId() {
        return typedData().clusterId();
    }

    /** The contract's EIP-712 messages for this cluster. */
    public ClusterTypedData typedData() {
        return new ClusterTypedData(BigInteger.valueOf(chainId), contract);
    }
}
