package org.dstack4j.cluster.contract;

import java.math.BigInteger;
import org.dstack4j.chain.Address;

/**
 * A join request as the contract stores it ({@code request(id)}).
 *
 * @param id request id (from 1)
 * @param node the newcomer's node address
 * @param encKey its 32-byte X25519 public key for this request
 * @param anchorNumber the anchor block's number
 * @param anchorHash the anchor block's hash, as the contract read it with blockhash()
 * @param evidenceHash keccak256 of the evidence bytes
 * @param requestBlock the block that included the request
 * @param state its state
 */
public record JoinRequest(BigInteger id, Address node, byte[] encKey, long anchorNumber, byte[] anchorHash,
                          byte[] evidenceHash, long requestBlock, RequestState state) {
    public JoinRequest {
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
