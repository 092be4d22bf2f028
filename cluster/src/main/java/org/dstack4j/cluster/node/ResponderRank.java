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
 * data, so one answers at a time and a dead one is covered by the next. The same ranking over another public topic
 * ({@link #order(byte[], List)}) elects the member that orders a domain's TLS certificate (tls module).
 */
public final class ResponderRank {
    private ResponderRank() {}

    /** The members in answering order for {@code requestId}. */
    public static List<Address> order(BigInteger requestId, List<Address> members) {
        return order(Words.uint256(requestId), members);
    }

    /**
     * The members sorted by {@code keccak256(topic ‖ address (20 bytes))} ascending (unsigned); duplicates dropped.
     * {@code topic} is public data every member knows alike (a request id as uint256, a length-prefixed domain).
     */
    public static List<Address> order(byte[] topic, List<Address> members) {
        byte[] t = topic.clone();
        return members.stream().distinct().sorted(Comparator.comparing(m -> score(t, m), Arrays::compareUnsigned)).toList();
    }

    /** {@code keccak256(uint256(requestId) ‖ address (20 bytes))}. */
    static byte[] score(BigInteger requestId, Address member) {
        return score(Words.uint256(requestId), member);
    }

    private static byte[] score(byte[] topic, Address member) {
        return Keccak.keccak256(topic, member.bytes());
    }

    /**
     * How long {@code me} waits before answering.
     *
     * @throws IllegalArgumentException if {@code me} is not among {@code members}
     */
    public static Duration delay(BigInteger requestId, List<Address> members, Address me, Duration fallbackDelay) {
        return delay(Words.uint256(requestId), members, me, fallbackDelay);
    }

    /**
     * How long {@code me} waits in the order of {@code topic}: {@code k × fallbackDelay} for the k-th (from 0).
     *
     * @throws IllegalArgumentException if {@code me} is not among {@code members}
     */
    public static Duration delay(byte[] topic, List<Address> members, Address me, Duration fallbackDelay) {
        int k = order(topic, members).indexOf(me);
        if (k < 0) throw new IllegalArgumentException(me + " is not a member");
        return fallbackDelay.multipliedBy(k);
    }
}
