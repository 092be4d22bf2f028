package org.dstack4j.cluster.contract;

import java.math.BigInteger;
import org.dstack4j.chain.Address;

/**
 * A genesis submission as the contract stores it ({@code genesis(id)}).
 *
 * @param id genesis id (from 1)
 * @param node the first CVM's node address
 * @param signer the cluster signer address it derived
 * @param encKey the cluster X25519 public key it derived
 * @param anchorNumber anchor block number
 * @param anchorHash anchor block hash
 * @param evidenceHash keccak256 of the evidence
 * @param submitBlock the block that included it
 */
public record GenesisRecord(BigInteger id, Address node, Address signer, byte[] encKey, long anchorNumber, byte[] anchorHash,
                            byte[] evidenceHash, long submitBlock) {
    public GenesisRecord {
        encKey = encKey.clone();
        anchorHash = anchorHash.clone();
        evidenceHash = evidenceHash.clone();
    }

    @Override
    public byte[] encKey() {
        return encKey.clone();
    }

    @Override
    public byte[] anchorHash() {
        return anchorHash.clone();
    }

    @Override
    public byte[] evidenceHash() {
        return evidenceHash.clone();
    }
}
