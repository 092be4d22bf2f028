package org.dstack4j.cluster.node;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;

/**
 * Which member answers a request first (docs/cluster-protocol.md "Responders"): members sort by
 * {@code keccak256(uint256(requestId) ‖ address)} ascending (unsigned); the k-th (from 0) answers after
 * {@code k × fallbackDelay} if the request is still pending. Every member computes the same order from public
 * data, so one answers at a time and a dead one is covered by the next.
 */
public final class ResponderRank {
    private ResponderRank() {}

    /** The members in answering order for {@code requestId}. */
    public static List<Address> order(BigInteger requestId, List<Address> members) {
        return members.stream().distinct().sorted(Comparator.comparing(m -> score(requestId, m), Arrays::compareUnsigned)).toList();
    }

    /** {@code keccak256(uint256(requestId) ‖ address (20 bytes))}. */
    static byte[] score(BigInteger requestId, Address member) {
        return Keccak.keccak256(Words.uint256(requestId), member.bytes());
    }

    /**
     * How long {@code me} waits before answering.
     *
     * @throws IllegalArgumentException if {@code me} is not among {@code members}
     */
    public static Duration delay(BigInteger requestId, List<Address> members, Address me, Duration fallbackDelay) {
        int k = order(requestId, members).indexOf(me);
        if (k < 0) throw new IllegalArgumentException(me + " is not a member");
        return fallbackDelay.multipliedBy(k);
    }
}
