package org.dstack4j.cluster.binding;

import java.util.Arrays;
import java.util.Objects;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * The 64 bytes of TD report data that bind a quote to one cluster, one recent block and one key
 * (docs/cluster-protocol.md "Report data"):
 * {@code keccak256(abi.encode(bytes32 tag, uint256 chainId, address contract, bytes32 anchorHash, bytes32 keyHash,
 * address node)) ‖ 32 zero bytes}.
 */
public final class ReportDataBinding {
    /** {@code keccak256("dstack4j/cluster/join/v1")}. */
    public static final byte[] JOIN_TAG = Keccak.keccak256("dstack4j/cluster/join/v1");
    /** {@code keccak256("dstack4j/cluster/genesis/v1")}. */
    public static final byte[] GENESIS_TAG = Keccak.keccak256("dstack4j/cluster/genesis/v1");

    private ReportDataBinding() {}

    /**
     * A newcomer's join binding.
     *
     * @param anchorHash hash of the anchor block, 32 bytes
     * @param encKey     the newcomer's X25519 public key for this request, 32 bytes
     * @param node       the newcomer's node address
     * @return 64 bytes
     */
    public static byte[] join(ClusterRef cluster, byte[] anchorHash, byte[] encKey, Address node) {
        return bind(JOIN_TAG, cluster, anchorHash, Keccak.keccak256(check32("encKey", encKey)), node);
    }

    /**
     * The genesis node's binding of the cluster public keys it derived.
     *
     * @param anchorHash hash of the anchor block, 32 bytes
     * @return 64 bytes; keyHash = {@code keccak256(abi.encode(address signer, bytes32 encKey))}
     */
    public static byte[] genesis(ClusterRef cluster, byte[] anchorHash, ClusterPublicKeys keys, Address node) {
        byte[] keyHash = Keccak.keccak256(Words.encode(Words.address(keys.signer()), Words.bytes32(keys.encKey())));
        return bind(GENESIS_TAG, cluster, anchorHash, keyHash, node);
    }

    private static byte[] bind(byte[] tag, ClusterRef cluster, byte[] anchorHash, byte[] keyHash, Address node) {
        Objects.requireNonNull(node, "node");
        byte[] h = Keccak.keccak256(Words.encode(Words.bytes32(tag), Words.uint256(cluster.chainId()),
                Words.address(cluster.contract()), Words.bytes32(check32("anchorHash", anchorHash)), Words.bytes32(keyHash),
                Words.address(node)));
        return Arrays.copyOf(h, 64);
    }

    private static byte[] check32(String what, byte[] b) {
        if (b == null || b.length != 32) throw new IllegalArgumentException(what + " must be 32 bytes, got " + (b == null ? "none" : b.length));
        return b;
    }
}
