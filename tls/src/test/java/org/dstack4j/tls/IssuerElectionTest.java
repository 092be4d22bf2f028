package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dstack4j.chain.Address;
import org.junit.jupiter.api.Test;

class IssuerElectionTest {
    static final List<Address> MEMBERS = List.of(addr(1), addr(2), addr(3), addr(4), addr(5));

    static Address addr(int i) {
        return Address.parse("0x" + String.format("%02x", i).repeat(20));
    }

    @Test
    void everyMemberComputesTheSameOrderWhateverOrderItListsMembersIn() {
        Domain d = new Domain("app.example.com");
        List<Address> shuffled = new ArrayList<>(MEMBERS);
        Collections.reverse(shuffled);
        assertThat(IssuerElection.order(d, shuffled)).isEqualTo(IssuerElection.order(d, MEMBERS)).hasSize(5);
        for (int k = 0; k < 5; k++) {
            Address m = IssuerElection.order(d, MEMBERS).get(k);
            assertThat(IssuerElection.delay(d, MEMBERS, m, Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10L * k));
        }
    }

    @Test
    void theOrderDependsOnTheDomainSoOneMemberDoesNotOrderEveryDomain() {
        var firsts = new java.util.HashSet<Address>();
        for (String d : List.of("a.example", "b.example", "c.example", "d.example", "e.example", "f.example", "g.example", "h.example")) {
            firsts.add(IssuerElection.order(new Domain(d), MEMBERS).getFirst());
        }
        assertThat(firsts).hasSizeGreaterThan(1);
    }

    @Test
    void aNonMemberIsRefused() {
        assertThatThrownBy(() -> IssuerElection.delay(new Domain("a.example"), MEMBERS, addr(9), Duration.ofSeconds(1)))
                .hasMessageContaining("is not a member");
    }
}
