package org.dstack4j.chain.eip712;

import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;

/**
 * EIP-712 hashing for structs whose fields are all atomic or already hashed: the caller encodes each
 * field as its 32-byte word ({@code string}/{@code bytes} as their keccak256, per EIP-712's
 * {@code encodeData}), in the order of the type string.
 */
public final class Eip712 {
    private Eip712() {}

    /** {@code typeHash = keccak256(encodeType)}, e.g. of {@code "Onboard(uint256 requestId,bytes32 sealedHash,uint64 epoch)"}. */
    public static byte[] typeHash(String encodeType) {
        return Keccak.keccak256(encodeType);
    }

    /** {@code hashStruct = keccak256(typeHash || encodeData)}; each field a 32-byte word. */
    public static byte[] hashStruct(String encodeType, byte[]... fieldWords) {
        byte[][] all = new byte[fieldWords.length + 1][];
        all[0] = typeHash(encodeType);
        System.arraycopy(fieldWords, 0, all, 1, fieldWords.length);
        return Keccak.keccak256(Words.encode(all));
    }

    /** {@code keccak256(0x19 0x01 || domainSeparator || structHash)}: the digest that is signed. */
    public static byte[] digest(byte[] domainSeparator, byte[] structHash) {
        if (domainSeparator.length != 32 || structHash.length != 32) {
            throw new IllegalArgumentException("domain separator and struct hash are 32 bytes each");
        }
        return Keccak.keccak256(new byte[] {0x19, 0x01}, domainSeparator, structHash);
    }
}
