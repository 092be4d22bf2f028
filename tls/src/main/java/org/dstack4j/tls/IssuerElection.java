package org.dstack4j.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.node.ResponderRank;

/**
 * Which member obtains the certificate of a domain, without any message between members: every member ranks the
 * cluster's members by {@code keccak256(uint16_be(len(domain)) ‖ domain ‖ address)} ascending (unsigned), as the
 * join responders are ranked (docs/cluster-protocol.md "Responders"). The k-th member orders a certificate when
 * no valid one is in the {@link CertificateStore} after {@code k × fallbackDelay}: the first one at once, the next
 * one only if the first is down, and so on. Two members ordering at once (a joiner ranked first while the
 * previous first is still ordering) end up serving one chain: the first stored (see {@link UnstoppableTls}).
 */
public final class IssuerElection {
    private IssuerElection() {}

    /** The members in issuing order for {@code domain}. */
    public static List<Address> order(Domain domain, List<Address> members) {
        return ResponderRank.order(topic(domain), members);
    }

    /**
     * How long {@code me} waits for another member's certificate before ordering one itself.
     *
     * @throws IllegalArgumentException if {@code me} is not a member
     */
    public static Duration delay(Domain domain, List<Address> members, Address me, Duration fallbackDelay) {
        return ResponderRank.delay(topic(domain), members, me, fallbackDelay);
    }

    /** {@code uint16_be(len(domain)) ‖ domain}: the ranking topic. */
    private static byte[] topic(Domain domain) {
        byte[] d = domain.name().getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(2 + d.length).putShort((short) d.length).put(d).array();
    }
}
