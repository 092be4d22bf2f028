package org.dstack4j.cluster.binding;

import com.esaulpaugh.headlong.abi.Tuple;
import com.esaulpaugh.headlong.abi.TupleType;
import java.math.BigInteger;
import java.util.Objects;

/**
 * Which cluster: the chain and the contract that owns it.
 *
 * @param chainId  the EVM chain id (EIP-155), positive
 * @param contract the cluster contract
 */
public record ClusterRef(long chainId, Address contract) {
    private static final TupleType<Tuple> ID = TupleType.parse("(uint256,address)");

    public ClusterRef {
        if (chainId <= 0) throw new IllegalArgumentException("chain id must be positive, got " + chainId);
        Objects.requireNonNull(contract, "contract");
    }

    /** {@code clusterId = keccak256(abi.encode(uint256 chainId, address contract))}, 32 bytes: the HKDF salt. */
    public byte[] clusterId() {
        return Keccak.keccak256(ID.encode(Tuple.of(BigInteger.valueOf(chainId), Abi.address(contract))).array());
    }
}
