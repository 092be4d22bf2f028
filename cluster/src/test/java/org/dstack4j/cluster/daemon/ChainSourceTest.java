package org.dstack4j.cluster.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.junit.jupiter.api.Test;

/** The quorum a node reads the chain with is a strict majority, and a disagreement is found under wrappers. */
class ChainSourceTest {
    private static List<JsonRpcClient> clients(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> new JsonRpcClient(URI.create("http://127.0.0.1:" + (9 + i)))).toList();
    }

    @Test
    void theQuorumMustBeAStrictMajority() {
        assertThat(ChainSource.majority(clients(1)).quorum()).isEqualTo(1);
        assertThat(ChainSource.majority(clients(2)).quorum()).isEqualTo(2);
        assertThat(ChainSource.majority(clients(3)).quorum()).isEqualTo(2);
        assertThat(ChainSource.majority(clients(5)).quorum()).isEqualTo(3);
        assertThatThrownBy(() -> new ChainSource(clients(4), 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strict majority");
        assertThatThrownBy(() -> new ChainSource(clients(3), 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChainSource(clients(1), 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChainSource(List.of(), 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDisagreementIsFoundUnderTheExceptionsThatWrapIt() {
        RpcException d = new RpcException(new RpcError.Disagreement("[a, b]", "eth_call", "2 different answers"));
        Exception wrapped = new IllegalStateException("policy read failed", new RuntimeException(d));
        assertThat(ChainSource.disagreement(wrapped)).hasValueSatisfying(x -> assertThat(x.method()).isEqualTo("eth_call"));
        RpcException down = new RpcException(new RpcError.HttpStatus("http://127.0.0.1:9", "eth_call", 503));
        assertThat(ChainSource.disagreement(down)).isEmpty();
    }
}
