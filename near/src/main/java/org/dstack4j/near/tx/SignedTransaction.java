package org.dstack4j.near.tx;

/**
 * A transaction and its Ed25519 signature; borsh: the transaction, then signature type 0 and the 64 bytes.
 *
 * @param transaction the signed transaction
 * @param signature   64-byte Ed25519 signature of the transaction's hash
 */
public record SignedTransaction(Transaction transaction, byte[] signature) {
    public SignedTransaction {
        if (signature.length != 64) throw new IllegalArgumentException("an Ed25519 signature is 64 bytes");
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** What {@code send_tx} takes (base64 of these bytes). */
    public byte[] borsh() {
        byte[] tx = transaction.borsh();
        return new Borsh().fixed(tx, tx.length).u8(0).fixed(signature, 64).toByteArray();
    }
}
