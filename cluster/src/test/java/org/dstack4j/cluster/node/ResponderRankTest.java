package org.dstack4j.cluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.joemelsha.crypto.hash.Keccak;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.dstack4j.chain.Address;
import org.junit.jupiter.api.Test;

class ResponderRankTest {
    private static final List<Address> MEMBERS = List.of(
            Address.parse("0x1111111111111111111111111111111111111111"), Address.parse("0x2222222222222222222222222222222222222222"),
            Address.parse("0x3333333333333333333333333333333333333333"), Address.parse("0x4444444444444444444444444444444444444444"));

    /** keccak256(uint256(id) ‖ address) as an unsigned number, with headlong's Keccak. */
    private static BigInteger oracle(long id, Address a) {
        byte[] in = new byte[52];
        byte[] idb = BigInteger.valueOf(id).toByteArray();
        System.arraycopy(idb, 0, in, 32 - idb.length, idb.length);
        System.arraycopy(a.bytes(), 0, in, 32, 20);
        return new BigInteger(1, new Keccak(256).digest(in));
    }

    @Test
    void orderIsByKeccakOfRequestIdAndAddressWhateverTheInputOrder() {
        for (long id = 1; id <= 20; id++) {
            long rid = id;
            List<Address> expected = MEMBERS.stream().sorted(Comparator.comparing(a -> oracle(rid, a))).toList();
            List<Address> shuffled = new ArrayList<>(MEMBERS);
            Collections.shuffle(shuffled);
            assertThat(ResponderRank.order(BigInteger.valueOf(id), shuffled)).isEqualTo(expected);
        }
    }

    @Test
    void firstResponderVariesAcrossRequestsAndDelaysAreMultiples() {
        long distinctFirsts = java.util.stream.LongStream.rangeClosed(1, 40)
                .mapToObj(id -> ResponderRank.order(BigInteger.valueOf(id), MEMBERS).getFirst()).distinct().count();
        assertThat(distinctFirsts).isGreaterThan(1); // the load spreads
        List<Address> order = ResponderRank.order(BigInteger.TEN, MEMBERS);
        for (int k = 0; k < order.size(); k++) {
            assertThat(ResponderRank.delay(BigInteger.TEN, MEMBERS, order.get(k), Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5L * k));
        }
        assertThatThrownBy(() -> ResponderRank.delay(BigInteger.TEN, MEMBERS, Address.ZERO, Duration.ofSeconds(5)))
                .hasMessageContaining("not a member");
    }
}
