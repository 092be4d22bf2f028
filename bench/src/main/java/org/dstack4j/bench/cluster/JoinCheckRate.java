package org.dstack4j.bench.cluster;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.cluster.audit.ClusterHistory;
import org.dstack4j.cluster.audit.JoinAudit;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.evm.EvmClusterView;
import org.dstack4j.cluster.join.ClusterPolicy;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;

/**
 * Member-side join verifications per second for bench/cluster: a timed loop (not JMH), single thread, after a warm-up,
 * of the member's full {@link JoinChecks} on a real request's evidence as read from the chain (the request as the
 * member saw it, through {@link JoinAudit#inputs}). Two policies: the policy held in memory (the checks' own cost:
 * evidence decoding, DCAP with collateral prepared per call, report data, RTMR3 replay, hashes) and the contract's
 * {@code isAllowed} read over JSON-RPC at a pinned block, as a member does (five calls per join). Both are warmed up,
 * then measured for {@code SECONDS} each in two interleaved halves. The collateral is the same object on every call, so
 * {@link JoinChecks} prepares it once (warm), as it does while a relay serves one collateral.
 *
 * <p>Usage: {@code JoinCheckRate RPC_URL CONTRACT REQUEST_ID COLLATERAL_JSON SECONDS}. Prints one line
 * {@code join-checks {"memory_per_s":…,"rpc_per_s":…,"seconds":…}}; exits 1 when a run does not pass every check.
 */
public final class JoinCheckRate {
    private JoinCheckRate() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: JoinCheckRate RPC_URL CONTRACT REQUEST_ID COLLATERAL_JSON SECONDS");
            System.exit(2);
        }
        double seconds = Double.parseDouble(args[4]);
        Collateral collateral = CollateralJson.parse(Files.readAllBytes(Path.of(args[3])));
        try (JsonRpcClient rpc = new JsonRpcClient(URI.create(args[0]), Duration.ofSeconds(10), JsonRpcClient.DEFAULT_MAX_RESPONSE)) {
            ClusterRef ref = new ClusterRef(rpc.chainId().longValueExact(), Address.parse(args[1]));
            ChainView view = ChainView.pin(rpc, 0);
            ClusterHistory history = ClusterHistory.read(new ClusterContract(ref.contract()), view, 0);
            JoinAudit.Inputs in = new JoinAudit(ref, view, history, q -> collateral, Optional.empty()).inputs(new BigInteger(args[2]));
            ClusterPolicy overRpc = new EvmClusterView(new ClusterContract(ref.contract()), view).policy();
            JoinChecks memory = new JoinChecks(in.member(), in.policy(), q -> collateral);
            JoinChecks viaRpc = new JoinChecks(in.member(), overRpc, q -> collateral);
            // warm-up of both (JIT), then each measured twice, interleaved, so drift in machine load hits both alike
            run(memory, in, seconds);
            run(viaRpc, in, seconds / 2);
            long[] n = new long[2];
            long[] nanos = new long[2];
            for (int round = 0; round < 2; round++) {
                JoinChecks[] both = {memory, viaRpc};
                for (int k = 0; k < 2; k++) {
                    long t0 = System.nanoTime();
                    n[k] += run(both[k], in, seconds / 2);
                    nanos[k] += System.nanoTime() - t0;
                }
            }
            System.out.printf(Locale.ROOT, "join-checks {\"memory_per_s\":%.1f,\"rpc_per_s\":%.1f,\"seconds\":%.1f}%n",
                    n[0] / (nanos[0] / 1e9), n[1] / (nanos[1] / 1e9), seconds);
        }
    }

    private static long run(JoinChecks checks, JoinAudit.Inputs in, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() < end) {
            JoinOutcome o = checks.check(in.request(), in.evidence());
            if (!(o instanceof JoinOutcome.Passed)) {
                System.err.println("JoinCheckRate: the request does not pass: " + o);
                System.exit(1);
            }
            n++;
        }
        return n;
    }
}
