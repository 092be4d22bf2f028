package org.dstack4j.chain.tx;

/**
 * A signed raw transaction.
 *
 * @param raw the bytes for {@code eth_sendRawTransaction}
 * @param hash its 32-byte transaction hash
 */
public record SignedTransaction(byte[] raw, byte[] hash) {
    public SignedTransaction {
        raw = raw.clone();
        hash = hash.clone();
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }
}
