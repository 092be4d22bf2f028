package org.dstack4j.chain.rpc;

import java.util.Map;
import org.dstack4j.chain.Hex;

/** Which block a read is made at: a tag, a number or (EIP-1898) a hash. */
public sealed interface BlockRef {
    /** The JSON-RPC parameter for it. */
    Object param();

    /** The chain head. */
    BlockRef LATEST = new Tag("latest");
    /** Including the node's pending transactions (nonces). */
    BlockRef PENDING = new Tag("pending");

    /** A block by number. */
    static BlockRef number(long n) {
        return new Number(n);
    }

    /** A block by hash: a read fails instead of silently using another block after a reorg. */
    static BlockRef hash(byte[] hash32) {
        return new Hash(hash32);
    }

    record Tag(String name) implements BlockRef {
        @Override
        public Object param() {
            return name;
        }
    }

    record Number(long n) implements BlockRef {
        public Number {
            if (n < 0) {
                throw new IllegalArgumentException("a block number is never negative: " + n);
            }
        }

        @Override
        public Object param() {
            return Hex.quantity(n);
        }
    }

    record Hash(byte[] hash) implements BlockRef {
        public Hash {
            if (hash.length != 32) {
                throw new IllegalArgumentException("a block hash is 32 bytes, got " + hash.length);
            }
            hash = hash.clone();
        }

        @Override
        public Object param() {
            return Map.of("blockHash", Hex.data(hash), "requireCanonical", true);
        }
    }
}
