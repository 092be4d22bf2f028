package org.dstack4j.chain.eip712;

import java.math.BigInteger;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;

/**
 * An EIP-712 domain with the four fields {@code name, version, chainId, verifyingContract} (no salt).
 *
 * @param name the signing domain's name
 * @param version its version
 * @param chainId the EIP-155 chain id
 * @param verifyingContract the contract that verifies the signature
 */
public record Eip712Domain(String name, String version, BigInteger chainId, Address verifyingContract) {
    /** The domain's type string. */
    public static final String TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

    public Eip712Domain {
        if (name == null || version == null || chainId == null || verifyingContract == null) {
            throw new IllegalArgumentException("an EIP-712 domain needs name, version, chainId and verifyingContract");
        }
        if (chainId.signum() < 0) {
            throw new IllegalArgumentException("chainId is never negative");
        }
    }

    /** The domain separator: {@code hashStruct(domain)}, 32 bytes. */
    public byte[] separator() {
        return Eip712.hashStruct(TYPE,
                Keccak.keccak256(name),
                Keccak.keccak256(version),
                Words.uint256(chainId),
                Words.address(verifyingContract));
    }

    /** The digest to sign for a struct of this domain: {@code keccak256(0x19 0x01 || separator || structHash)}. */
    public byte[] digest(byte[] structHash) {
        return Eip712.digest(separator(), structHash);
    }
}
