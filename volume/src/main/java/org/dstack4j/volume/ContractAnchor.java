package org.dstack4j.volume;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterTypedData;
import org.dstack4j.cluster.contract.ClusterWrites;
import org.dstack4j.cluster.daemon.ChainSource;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * A {@link RollbackGuard} whose counter lives in the cluster contract, out of any host's reach: the contract's
 * {@code volumeVersion(volumeId)} only rises, and only with the cluster signer's EIP-712
 * {@code VolumeVersion(volumeId, version)} signature (which only members can make). {@link #floor()} reads it at
 * {@code head − confirmations} (a read that fails refuses the open: fail closed); {@link #advance(long)} raises it to
 * the committed manifest generation once that is at least {@code every} above the last anchored one (1: every commit,
 * one chain write each; N: a host can put back a copy at most N − 1 commits old unnoticed after a restart, for N
 * times fewer writes). The manifest is written to disk before it is anchored, so a crash in between leaves the disk
 * ahead of the anchor (the next open raises it), never behind.
 */
public final class ContractAnchor implements RollbackGuard {
    private static final String TAG = "dstack4j/volume/anchor/v1";

    /** Where the counter is read and raised. */
    public interface Ledger {
        /** The anchored version of {@code volumeId} (0 when never anchored). */
        long anchored(byte[] volumeId) throws LedgerException;

        /** Submits {@code anchorVolume(volumeId, version, sig65)} and waits for it to be mined. */
        void raise(byte[] volumeId, long version, byte[] sig65) throws LedgerException;

        /** The contract, for messages. */
        String where();
    }

    /** The ledger could not be read or written; the message says why. */
    public static final class LedgerException extends Exception {
        public LedgerException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Signs a 32-byte EIP-712 digest as the cluster signer: 65 bytes r ‖ s ‖ v, v ∈ {27, 28}, low s. */
    public interface Signer {
        byte[] sign(byte[] digest32);
    }

    private final Ledger ledger;
    private final ClusterTypedData typed;
    private final Signer signer;
    private final byte[] volumeId;
    private final String volume;
    private final long every;
    private long seen;
    private long anchored;

    /**
     * @param volumeId {@link #volumeId(String)} (a shared volume) or {@link #volumeId(Address, String)} (a node's)
     * @param volume   the volume's name, for messages
     * @param every    anchor when a commit is at least this many generations above the anchored one (≥ 1)
     */
    public ContractAnchor(Ledger ledger, ClusterTypedData typed, Signer signer, byte[] volumeId, String volume, long every) {
        if (every < 1) throw new IllegalArgumentException("anchor every N commits needs N ≥ 1, got " + every);
        if (volumeId.length != 32) throw new IllegalArgumentException("a volume id is 32 bytes, got " + volumeId.length);
        this.ledger = ledger;
        this.typed = typed;
        this.signer = signer;
        this.volumeId = volumeId.clone();
        this.volume = volume;
        this.every = every;
    }

    /** The contract's key for the cluster's shared volume {@code name}: {@code keccak256(lp(tag) ‖ lp(name))}. */
    public static byte[] volumeId(String name) {
        return Keccak.keccak256(lp(TAG), lp(name));
    }

    /** The contract's key for {@code node}'s own volume {@code name}: {@code keccak256(lp(tag) ‖ address ‖ lp(name))}. */
    public static byte[] volumeId(Address node, String name) {
        return Keccak.keccak256(lp(TAG), node.bytes(), lp(name));
    }

    private static byte[] lp(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + b.length).putShort((short) b.length).put(b).array();
    }

    /** The cluster signer from a derivation the caller holds (derived, used once, zeroed). */
    public static Signer clusterSigner(KeyDerivation keys) {
        return digest -> {
            try (var k = keys.signerKey()) {
                byte[] scalar = k.privateScalar();
                try {
                    return SigningKey.of(scalar).sign(digest).toBytes();
                } finally {
                    Arrays.fill(scalar, (byte) 0);
                }
            }
        };
    }

    /** The contract read at {@code head − confirmations} through {@code rpc} alone; raised through {@code writes} (a gas-paying sender). */
    public static Ledger evm(ClusterContract contract, JsonRpcClient rpc, int confirmations, ClusterWrites writes) {
        return evm(contract, ChainSource.single(rpc), confirmations, writes);
    }

    /**
     * The contract read at {@code head − confirmations} through {@code source} (the node's pinned endpoints: a quorum of
     * them must agree on the block and on the anchored version, so one lying endpoint cannot report an older anchor and
     * let an older copy open; a disagreement is a failed read, which refuses the open); raised through {@code writes}.
     */
    public static Ledger evm(ClusterContract contract, ChainSource source, int confirmations, ClusterWrites writes) {
        return new Ledger() {
            @Override
            public long anchored(byte[] id) throws LedgerException {
                try {
                    return contract.reads(source.pin(confirmations)).volumeVersion(id);
                } catch (RpcException | ClusterContractException e) {
                    throw new LedgerException(e.getMessage(), e);
                }
            }

            @Override
            public void raise(byte[] id, long version, byte[] sig65) throws LedgerException {
                try {
                    writes.anchorVolume(id, version, sig65);
                } catch (ClusterContractException e) {
                    throw new LedgerException(e.getMessage(), e);
                }
            }

            @Override
            public String where() {
                return "cluster contract " + contract.address().toLowerHex();
            }
        };
    }

    @Override
    public synchronized long floor() throws VolumeException {
        try {
            anchored = Math.max(anchored, ledger.anchored(volumeId));
        } catch (LedgerException e) {
            throw new VolumeException(VolumeException.Problem.ANCHOR, "cannot read the anchored version of volume " + volume + " from the "
                    + ledger.where() + ": " + e.getMessage() + "; not opened, since a rollback could not be ruled out (retry when the chain answers)", e);
        }
        return Math.max(seen, anchored);
    }

    @Override
    public synchronized void advance(long generation) throws VolumeException {
        seen = Math.max(seen, generation);
        if (generation < anchored + every) return;
        try {
            ledger.raise(volumeId, generation, signer.sign(typed.volumeVersionDigest(volumeId, generation)));
            anchored = generation;
        } catch (LedgerException e) {
            // another member may have raised it as far already (the contract refuses a version that is not higher)
            try {
                anchored = Math.max(anchored, ledger.anchored(volumeId));
            } catch (LedgerException ignored) {
                // the first error is the one to report
            }
            if (anchored >= generation) return;
            throw new VolumeException(VolumeException.Problem.ANCHOR, "generation " + generation + " of volume " + volume
                    + " is committed on disk but not anchored in the " + ledger.where() + ": " + e.getMessage()
                    + "; the next commit or open retries", e);
        }
    }

    @Override
    public String source() {
        return "anchored in the " + ledger.where();
    }
}
