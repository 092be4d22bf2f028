package org.dstack4j.measure.image;

/** The outcome of checking a dm-verity image against the root hash the kernel command line pins. */
public sealed interface VerityResult {
    /** One line for the operator. */
    String summary();

    /** Every data block hashes into the stored tree, and the tree's root is the pinned root hash. */
    record Verified(String rootHash, long dataBlocks, int levels, String salt) implements VerityResult {
        @Override
        public String summary() {
            return "dm-verity ok: " + dataBlocks + " data blocks, " + levels + " hash levels, root " + rootHash;
        }
    }

    /** The image does not match: a data block, a hash block or the root differs. {@code reason} says which. */
    record Mismatch(String reason) implements VerityResult {
        @Override
        public String summary() {
            return "dm-verity MISMATCH: " + reason;
        }
    }
}
