package org.dstack4j.volume;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The lowest manifest generation a volume may be opened at: the defence against the host putting back an older copy
 * of the whole volume (manifest and files together are self-consistent, so only a counter the host cannot roll back
 * tells). The counter must live outside the host's control: in the CVM's memory ({@link #inMemory()}: within one
 * boot), or in the cluster (a contract storage slot, or the other members) for protection across reboots, which
 * is not built yet (docs/volume.md).
 */
public interface RollbackGuard {
    /** The lowest acceptable generation. */
    long floor();

    /** Records that {@code generation} was committed or seen. */
    void advance(long generation);

    /** A counter in this process's memory: catches a rollback while the process lives, not across a restart. */
    static RollbackGuard inMemory() {
        AtomicLong seen = new AtomicLong();
        return new RollbackGuard() {
            @Override
            public long floor() {
                return seen.get();
            }

            @Override
            public void advance(long generation) {
                seen.accumulateAndGet(generation, Math::max);
            }
        };
    }
}
