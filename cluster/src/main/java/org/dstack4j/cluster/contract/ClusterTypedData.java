package org.dstack4j.cluster.contract;

import java.math.BigInteger;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.chain.eip712.Eip712;
import org.dstack4j.chain.eip712.Eip712Domain;

/**
 * The cluster contract's identifiers and EIP-712 messages (docs/cluster-protocol.md, "Identifiers" and
 * "EIP-712"): the digests a member signs with the cluster signer key and the contract verifies.
 *
 * @param chainId the chain's EIP-155 id
 * @param contract the cluster contract's address
 */
public record ClusterTypedData(BigInteger chainId, Address contract) {
    /** EIP-712 domain name. */
    public static final String DOMAIN_NAME = "dstack4j cluster";
    /** EIP-712 domain version. */
    public static final String DOMAIN_VERSION = "1";
    /** The {@code Onboard} type string. */
    public static final String ONBOARD_TYPE = "Onboard(uint256 requestId,bytes32 sealedHash,uint64 epoch)";
    /** The {@code Reject} type string. */
    public static final String REJECT_TYPE = "Reject(uint256 requestId,uint8 check)";
    /** The {@code Attestation} type string. */
    public static final String ATTESTATION_TYPE = "Attestation(bytes32 appId,bytes32 dataHash)";
    /** The {@code VolumeVersion} type string (an encrypted volume's anchored manifest version). */
    public static final String VOLUME_VERSION_TYPE = "VolumeVersion(bytes32 volumeId,uint64 version)";

    public ClusterTypedData {
        if (chainId == null || chainId.signum() < 0 || contract == null) {
            throw new IllegalArgumentException("cluster typed data needs a chain id >= 0 and a contract address");
        }
    }

    /** {@code clusterId = keccak256(abi.encode(uint256 chainId, address contract))}. */
    public byte[] clusterId() {
        return Keccak.keccak256(Words.encode(Words.uint256(chainId), Words.address(contract)));
    }

    /** The EIP-712 domain of this cluster contract. */
    public Eip712Domain domain() {
        return new Eip712Domain(DOMAIN_NAME, DOMAIN_VERSION, chainId, contract);
    }

    /** Digest of {@code Onboard(requestId, keccak256(sealed), epoch)}. */
    public byte[] onboardDigest(BigInteger requestId, byte[] sealed, long epoch) {
        return domain().digest(Eip712.hashStruct(ONBOARD_TYPE,
                Words.uint256(requestId), Keccak.keccak256(sealed), Words.uint256(epoch)));
    }

    /** Digest of {@code Reject(requestId, check)}; {@code check} is a join-check number 1..255. */
    public byte[] rejectDigest(BigInteger requestId, int check) {
        if (check < 0 || check > 255) {
            throw new IllegalArgumentException("a check number is a uint8, got " + check);
        }
        return domain().digest(Eip712.hashStruct(REJECT_TYPE, Words.uint256(requestId), Words.uint256(check)));
    }

    /** Digest of {@code VolumeVersion(volumeId, version)}; {@code volumeId} is 32 bytes, {@code version} ≥ 1. */
    public byte[] volumeVersionDigest(byte[] volumeId32, long version) {
        if (version < 1) throw new IllegalArgumentException("a volume version is at least 1, got " + version);
        return domain().digest(Eip712.hashStruct(VOLUME_VERSION_TYPE, Words.bytes32(volumeId32), Words.uint256(version)));
    }

    /** Digest of {@code Attestation(appId, keccak256(data))}; {@code appId} is 32 bytes. */
    public byte[] attestationDigest(byte[] appId32, byte[] data) {
        return domain().digest(Eip712.hashStruct(ATTESTATION_TYPE, Words.bytes32(appId32), Keccak.keccak256(data)));
    }
}
