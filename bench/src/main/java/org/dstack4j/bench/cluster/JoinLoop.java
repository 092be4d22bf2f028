package org.dstack4j.bench.cluster;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.daemon.DaemonConfig;
import org.dstack4j.cluster.daemon.NodeDaemon;
import org.dstack4j.cluster.node.DstackAttestor;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;

/**
 * The newcomer of bench/cluster: one process that joins {@code JOINS} times in a row, each time as a fresh
 * {@link NodeDaemon} ({@code cluster node}'s daemon: a new in-memory key, quote, {@code requestJoin} through its
 * relay, waiting for the member's answer on chain, the secret checked against the pinned keys, then zeroed). One JVM
 * for all joins, so a join's time is not a JVM start's.
 *
 * <p>Usage: {@code JoinLoop AGENT_SOCKET RELAY_SOCKET RPC_URL CONTRACT JOINS POLL_MS}. Prints the daemon's JSON lines
 * (its {@code joined} event carries {@code join_ms}); exits 1 at the first join that does not end holding the secret.
 */
public final class JoinLoop {
    private JoinLoop() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: JoinLoop AGENT_SOCKET RELAY_SOCKET RPC_URL CONTRACT JOINS POLL_MS");
            System.exit(2);
        }
        int joins = Integer.parseInt(args[4]);
        DaemonConfig cfg = new DaemonConfig(0, Duration.ofMillis(Long.parseLong(args[5])), Duration.ZERO, Duration.ofSeconds(120));
        try (JsonRpcClient rpc = new JsonRpcClient(URI.create(args[2]), Duration.ofSeconds(10), JsonRpcClient.DEFAULT_MAX_RESPONSE);
                DstackClient agent = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(Path.of(args[0]))).timeout(Duration.ofSeconds(30)).build();
                RelayClient relay = new RelayClient(Path.of(args[1]), Duration.ofSeconds(180))) {
            String compose = agent.info().tcbInfo().appCompose();
            ClusterPin pin = ClusterPin.fromCompose(compose).orElseThrow(() -> new IllegalStateException("the agent's app-compose has no cluster pin"));
            ClusterContract contract = new ClusterContract(Address.parse(args[3]));
            for (int i = 0; i < joins; i++) {
                try (NodeDaemon d = new NodeDaemon(rpc, contract, new DstackAttestor(agent, compose), pin, relay, relay, cfg, line -> {
                    System.out.println(line);
                    System.out.flush();
                })) {
                    NodeDaemon.Start s = d.join();
                    if (!(s instanceof NodeDaemon.Holding)) {
                        System.err.println("JoinLoop: join " + (i + 1) + " ended " + s);
                        System.exit(1);
                    }
                }
            }
        }
    }
}
