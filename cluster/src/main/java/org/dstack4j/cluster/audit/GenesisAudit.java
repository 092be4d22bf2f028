package org.dstack4j.cluster.audit;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.ClusterReads;
import org.dstack4j.cluster.contract.GenesisRecord;
import org.dstack4j.cluster.join.CollateralSource;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * Re-checks a genesis record from chain data alone (what the governor runs before {@code bootstrap}, and anyone after):
 * the member's evidence checks 3-14 on the {@code GenesisSubmitted} evidence, with the genesis report-data binding of
 * the claimed cluster keys and a pin without keys; DCAP at the submission block's time; the policy at the bootstrap
 * block (or at the pinned block while not bootstrapped). When this genesis was bootstrapped, three more checks: the
 * {@code Bootstrapped} node, and the contract's {@code clusterSigner} and {@code clusterEncKey}, are the record's.
 */
public final class GenesisAudit {
    private static final List<JoinCheck> EVIDENCE_CHECKS = Arrays.stream(JoinCheck.values())
            .filter(c -> c != JoinCheck.REQUEST_PENDING && c != JoinCheck.REQUEST_FRESH).toList();

    private final ClusterRef cluster;
    private final ClusterContract contract;
    private final ChainReader view;
    private final ClusterHistory history;
    private final CollateralSource collateral;
    private final Optional<Boolean> allowTestRoot;

    /** As {@link JoinAudit#JoinAudit}; the test-root default is the audited genesis's own compose setting. */
    public GenesisAudit(ClusterRef cluster, ChainReader view, ClusterHistory history, CollateralSource collateral,
                        Optional<Boolean> allowTestRoot) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.contract = new ClusterContract(cluster.contract());
        this.view = Objects.requireNonNull(view, "view");
        this.history = Objects.requireNonNull(history, "history");
        this.collateral = Objects.requireNonNull(collateral, "collateral");
        this.allowTestRoot = Objects.requireNonNull(allowTestRoot, "allowTestRoot");
    }

    /**
     * Audits genesis {@code id}, or when empty the bootstrapped one (else the latest submitted).
     *
     * @throws AuditException when there is no such genesis or its event is not in the blocks read
     */
    public AuditReport audit(Optional<BigInteger> id) throws AuditException, ClusterContractException, RpcException {
        ClusterReads reads = contract.reads(view);
        Audits.checkedCluster(cluster, reads);
        Optional<ClusterContract.Emitted> bootEvent = history.bootstrapped();
        Optional<ClusterEvent.Bootstrapped> boot = bootEvent.map(e -> (ClusterEvent.Bootstrapped) e.event());
        BigInteger gid = id.or(() -> boot.map(ClusterEvent.Bootstrapped::genesisId)).orElse(reads.genesisCount());
        if (gid.signum() <= 0) throw new AuditException("no genesis was submitted to " + cluster.contract());
        GenesisRecord g;
        try {
            g = reads.genesis(gid);
        } catch (ClusterContractException e) {
            if (e.revert().map(x -> x.name().equals("UnknownGenesis")).orElse(false)) throw new AuditException("genesis " + gid + " does not exist");
            throw e;
        }
        ClusterEvent.GenesisSubmitted ev = history.genesisSubmitted(gid).map(e -> (ClusterEvent.GenesisSubmitted) e.event())
                .orElseThrow(() -> new AuditException("no GenesisSubmitted event of genesis " + gid + " in the blocks read (lower --from-block)"));
        boolean ours = boot.map(b -> b.genesisId().equals(gid)).orElse(false);
        long policyBlock = ours ? bootEvent.get().blockNumber() : view.blockNumber();
        Instant time;
        try {
            time = Instant.ofEpochSecond(view.blockAt(g.submitBlock()).timestamp());
        } catch (IllegalArgumentException e) {
            throw new AuditException("genesis " + gid + " was submitted in block " + g.submitBlock() + ", above the pinned block "
                    + view.blockNumber() + " (the RPC's answers disagree; pin a later block or use another RPC)");
        } catch (RpcException e) {
            throw new AuditException("the submission block " + g.submitBlock() + " of genesis " + gid + " cannot be read ("
                    + e.getMessage() + "); use an RPC that serves every block");
        }
        AuditSettings s = AuditSettings.choose(allowTestRoot, Optional.of(ev));
        ClusterPublicKeys keys = new ClusterPublicKeys(g.signer(), g.encKey());
        JoinChecks.Trace t = new JoinChecks(new MemberSettings(cluster, keys, s.allowTestRoot()), history.policyAt(policyBlock), collateral)
                .traceGenesis(g, time, ev.evidence());
        List<AuditReport.CheckResult> checks = new ArrayList<>(AuditReport.results(EVIDENCE_CHECKS, t));
        boolean bootOk = true;
        if (ours) {
            ClusterEvent.Bootstrapped b = boot.get();
            bootOk &= add(checks, "bootstrap-node", b.node().equals(g.node()), "Bootstrapped names node " + b.node().toLowerHex()
                    + (b.node().equals(g.node()) ? ", the genesis node" : ", not the genesis node " + g.node().toLowerHex()));
            Address signer = reads.clusterSigner(); // read once: one value checked and printed
            bootOk &= add(checks, "cluster-signer", signer.equals(g.signer()) && b.signer().equals(g.signer()),
                    "clusterSigner " + signer.toLowerHex() + (signer.equals(g.signer()) ? " = " : " ≠ ")
                            + "the genesis's " + g.signer().toLowerHex());
            boolean enc = MessageDigest.isEqual(reads.clusterEncKey(), g.encKey()) && MessageDigest.isEqual(b.encKey(), g.encKey());
            bootOk &= add(checks, "cluster-enc-key", enc, "clusterEncKey " + (enc ? "=" : "≠") + " the genesis's");
        }
        AuditReport.ChainOutcome onChain = ours ? new AuditReport.ChainOutcome.Bootstrapped(bootEvent.get().blockNumber())
                : new AuditReport.ChainOutcome.NotBootstrapped(boot.map(ClusterEvent.Bootstrapped::genesisId));
        List<String> notes = new ArrayList<>();
        boot.filter(b -> !ours).ifPresent(b -> notes.add("genesis " + b.genesisId() + " was bootstrapped, not this one"));
        return new AuditReport("genesis", gid, g.node(), g.submitBlock(), policyBlock, time, s.allowTestRoot(), s.from(), checks,
                t.outcome(), onChain, verdict(t.outcome(), bootOk, onChain), notes);
    }

    private static boolean add(List<AuditReport.CheckResult> checks, String name, boolean ok, String detail) {
        checks.add(new AuditReport.CheckResult(0, name, ok ? AuditReport.Result.PASS : AuditReport.Result.FAIL, detail));
        return ok;
    }

    static AuditReport.Verdict verdict(JoinOutcome audited, boolean bootstrapMatches, AuditReport.ChainOutcome onChain) {
        if (audited instanceof JoinOutcome.Undecided) return AuditReport.Verdict.UNDECIDED;
        boolean passed = audited instanceof JoinOutcome.Passed;
        if (onChain instanceof AuditReport.ChainOutcome.Bootstrapped) {
            return passed && bootstrapMatches ? AuditReport.Verdict.AGREES_PASSED : AuditReport.Verdict.DISAGREES;
        }
        return passed ? AuditReport.Verdict.PENDING : AuditReport.Verdict.AGREES_REFUSED;
    }
}
