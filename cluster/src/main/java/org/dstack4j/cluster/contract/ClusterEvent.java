package org.dstack4j.cluster.contract;

import java.math.BigInteger;
import org.dstack4j.chain.Address;

/** The contract's events, decoded. Byte arrays are the event's own copies. */
public sealed interface ClusterEvent {
    /** {@code GovernorChanged}: also emitted by the constructor (previous = 0). */
    record GovernorChanged(Address previousGovernor, Address newGovernor) implements ClusterEvent {}

    /** {@code GovernanceTransferStarted}: step one of a handover (pending = 0 cancels). */
    record GovernanceTransferStarted(Address governor, Address pendingGovernor) implements ClusterEvent {}

    /** {@code OperatorSet}. */
    record OperatorSet(Address operator, boolean allowed) implements ClusterEvent {}

    /** {@code PolicyProposed}: applicable at or after {@code eta} (unix seconds, chain time). */
    record PolicyProposed(PolicyKind kind, byte[] value, long eta) implements ClusterEvent {}

    /** {@code PolicyAdded}. */
    record PolicyAdded(PolicyKind kind, byte[] value) implements ClusterEvent {}

    /** {@code PolicyRemoved} (also a cancelled proposal). */
    record PolicyRemoved(PolicyKind kind, byte[] value) implements ClusterEvent {}

    /** {@code GenesisSubmitted}. */
    record GenesisSubmitted(BigInteger id, Address node, Address signer, byte[] encKey, long anchorNumber, byte[] anchorHash,
                            byte[] evidence) implements ClusterEvent {}

    /** {@code Bootstrapped}. */
    record Bootstrapped(BigInteger genesisId, Address signer, byte[] encKey, Address node, long epoch) implements ClusterEvent {}

    /** {@code JoinRequested}. */
    record JoinRequested(BigInteger id, Address node, byte[] encKey, long anchorNumber, byte[] anchorHash, byte[] evidence)
            implements ClusterEvent {}

    /** {@code Onboarded}: {@code sealedSecret} is HPKE {@code enc || ciphertext}. */
    record Onboarded(BigInteger id, Address node, byte[] sealedSecret) implements ClusterEvent {}

    /** {@code Rejected} with the number of the failed join check. */
    record Rejected(BigInteger id, Address node, int check) implements ClusterEvent {}

    /** {@code MemberRemoved}. */
    record MemberRemoved(Address node) implements ClusterEvent {}

    /** {@code VolumeAnchored}: an encrypted volume's manifest version, raised by the cluster signer (docs/volume.md). */
    record VolumeAnchored(byte[] volumeId, long version) implements ClusterEvent {}
}
