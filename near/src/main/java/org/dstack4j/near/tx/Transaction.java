package org.dstack4j.near.tx;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * A NEAR transaction (nearcore's {@code TransactionV0}), borsh-encoded as signer id, public key (key type 0 =
 * Ed25519 + 32 bytes), nonce (u64), receiver id, block hash (32 bytes), actions (u32 count + each).
 *
 * @param signerId   the account that signs
 * @param publicKey  the signer's 32-byte Ed25519 access key
 * @param nonce      the access key's nonce + 1 (or higher)
 * @param receiverId the contract or account acted on
 * @param blockHash  a recent block's 32-byte hash (the transaction expires some blocks later)
 * @param actions    in order
 */
public record Transaction(String signerId, byte[] publicKey, long nonce, String receiverId, byte[] blockHash,
                          List<Action> actions) {
    public Transaction {
        if (publicKey.length != 32) throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
        if (blockHash.length != 32) throw new IllegalArgumentException("a block hash is 32 bytes");
        publicKey = publicKey.clone();
        blockHash = blockHash.clone();
        actions = List.copyOf(actions);
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public byte[] blockHash() {
        return blockHash.clone();
    }

    /** The borsh bytes that are hashed and signed. */
    public byte[] borsh() {
        Borsh b = new Borsh().string(signerId).u8(0).fixed(publicKey, 32).u64(nonce).string(receiverId).fixed(blockHash, 32);
        b.u32(actions.size());
        for (Action a : actions) a.writeTo(b);
        return b.toByteArray();
    }

    /** SHA-256 of {@link #borsh()}: the transaction hash, and what the key signs. */
    public byte[] hash() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(borsh());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** Signs with {@code key}, whose public key must be this transaction's. */
    public SignedTransaction sign(Ed25519Key key) {
        if (!java.util.Arrays.equals(key.publicKey(), publicKey)) {
            throw new IllegalArgumentException("the key does not match the transaction's public key");
        }
        return new SignedTransaction(this, key.sign(hash()));
    }
}
