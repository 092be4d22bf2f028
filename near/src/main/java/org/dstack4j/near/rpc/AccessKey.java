package org.dstack4j.near.rpc;

/**
 * An access key's state as {@code view_access_key} returns it.
 *
 * @param nonce     the last nonce used; a new transaction takes {@code nonce + 1}
 * @param blockHash 32-byte hash of the block the answer is from (recent enough to anchor a transaction)
 */
public record AccessKey(long nonce, byte[] blockHash) {}
