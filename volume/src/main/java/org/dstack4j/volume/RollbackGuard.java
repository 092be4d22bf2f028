package org.dstack4j.volume;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The lowest manifest generation a volume may be opened at: the defence against the host putting back an older copy
 * of the whole volume (manifest and files together are self-consistent, so only a counter the host cannot roll back
 * tells). The counter must live outside the host's control: in the CVM's memory ({@link #inMemory()}: within one
 * boot), or in the cluster contract ({@link ContractAnchor}: across reboots and hosts, one chain write per anchored
 * commit). A guard that cannot tell fails closed with {@link VolumeException.Problem#ANCHOR}.
 */
public interface RollbackGuard {
    /** The lowest acceptable generation. @throws VolumeException when it cannot be known (the volume is not opened) */
    long floor() throws VolumeException;

    /**
     * Records that {@code generation} was committed or seen.
     *
     * @throws VolumeException when it could not be recorded where the guard keeps it (the commit is on disk)
     */
    void advance(long generation) throws VolumeException;

    /** Where the counter lives, for error messages. */
    default String source() {
        return "this process's memory";
    }

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
