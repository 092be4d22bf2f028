package org.dstack4j.tls;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;

/**
 * Which member obtains the certificate of a domain, without any message between members: every member ranks the
 * cluster's members by {@code keccak256(uint16_be(len(domain)) ‖ domain ‖ address)} ascending (unsigned), as the
 * join responders are ranked (docs/cluster-protocol.md "Responders"). The k-th member orders a certificate when
 * no valid one is in the {@link CertificateStore} after {@code k × fallbackDelay}: the first one at once, the next
 * one only if the first is down, and so on. Two members ordering at once is harmless (both certificates are for
 * the same derived key; the last stored one is served).
 */
public final class IssuerElection {
    private IssuerElection() {}

    /** The members in issuing order for {@code domain}. */
    public static List<Address> order(Domain domain, List<Address> members) {
        return members.stream().distinct().sorted(Comparator.comparing((Address a) -> rank(domain, a))).toList();
    }

    /**
     * How long {@code me} waits for another member's certificate before ordering one itself.
     *
     * @throws IllegalArgumentException if {@code me} is not a member
     */
    public static Duration delay(Domain domain, List<Address> members, Address me, Duration fallbackDelay) {
        int k = order(domain, members).indexOf(me);
        if (k < 0) throw new IllegalArgumentException(me.toLowerHex() + " is not a member of the cluster");
        return fallbackDelay.multipliedBy(k);
    }

    static BigInteger rank(Domain domain, Address a) {
        byte[] d = domain.name().getBytes(StandardCharsets.US_ASCII);
        byte[] in = ByteBuffer.allocate(2 + d.length + 20).putShort((short) d.length).put(d).put(a.bytes()).array();
        return new BigInteger(1, Keccak.keccak256(in));
    }
}
