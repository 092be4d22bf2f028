package org.dstack4j.cluster.audit;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.JoinRequest;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.evm.StoredRequest;
import org.dstack4j.cluster.join.CollateralSource;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.join.RequestView;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * Re-runs a member's 14 join checks on a request from chain data alone and compares with the chain's outcome
 * (docs/cluster.md "Auditing"). Inputs:
 * <ul>
 *   <li>the request as stored ({@code request(id)}), seen as the member saw it: pending, live until its answer block
 *       (or the pinned block while unanswered), its node removed only by a {@code MemberRemoved} up to that block;</li>
 *   <li>the evidence from its {@code JoinRequested} event (check 3 ties it to the stored hash);</li>
 *   <li>the policy <em>at the request block</em>, rebuilt from the contract's policy events (a later change does not
 *       change the audit; a change between request and answer is reported as a note);</li>
 *   <li>the cluster keys of the {@code Bootstrapped} event; DCAP at the request block's timestamp with collateral from
 *       {@code collateral} (none is on chain: the auditor brings the collateral of that time).</li>
 * </ul>
 */
public final class JoinAudit {
    private final ClusterContract contract;
    private final ClusterRef cluster;
    private final ChainReader view;
    private final ClusterHistory history;
    private final CollateralSource collateral;
    private final AuditSettings settings;

    /**
     * @param cluster       the chain id (the endpoint's) and contract; the contract's {@code clusterId()} must agree
     * @param view          the pinned view everything is read at
     * @param history       the contract's events up to {@code view}
     * @param allowTestRoot the auditor's choice of the member setting, empty to take the genesis compose's
     */
    public JoinAudit(ClusterRef cluster, ChainReader view, ClusterHistory history, CollateralSource collateral,
                     Optional<Boolean> allowTestRoot) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.contract = new ClusterContract(cluster.contract());
        this.view = Objects.requireNonNull(view, "view");
        this.history = Objects.requireNonNull(history, "history");
        this.collateral = Objects.requireNonNull(collateral, "collateral");
        this.settings = AuditSettings.choose(allowTestRoot, history);
    }

    /**
     * What the checks of one request run on.
     *
     * @param request  the request as the member saw it
     * @param evidence the evidence bytes of its event
     * @param member   the member settings (cluster, keys, test-root setting)
     * @param policy   the policy at the request block
     * @param onChain  the chain's outcome
     * @param notes    facts for the report
     */
    public record Inputs(RequestView request, byte[] evidence, MemberSettings member, PolicySnapshot policy,
                         AuditReport.ChainOutcome onChain, List<String> notes) {}

    /**
     * Gathers the inputs of request {@code id}.
     *
     * @throws AuditException when the request or its event is missing or the cluster was never bootstrapped
     */
    public Inputs inputs(BigInteger id) throws AuditException, ClusterContractException, RpcException {
        JoinRequest r;
        try {
            r = contract.reads(view).request(id);
        } catch (ClusterContractException e) {
            if (e.revert().map(x -> x.name().equals("UnknownRequest")).orElse(false)) {
                throw new AuditException("request " + id + " does not exist at block " + view.blockNumber());
            }
            throw e;
        }
        ClusterEvent.JoinRequested ev = history.joinRequested(id).map(e -> (ClusterEvent.JoinRequested) e.event())
                .orElseThrow(() -> new AuditException("no JoinRequested event of request " + id + " in the blocks read (lower --from-block)"));
        ClusterEvent.Bootstrapped boot = history.bootstrapped().map(e -> (ClusterEvent.Bootstrapped) e.event())
                .orElseThrow(() -> new AuditException("no Bootstrapped event in the blocks read: the cluster has no keys to audit against"));
        Optional<ClusterContract.Emitted> answer = history.answer(id);
        AuditReport.ChainOutcome onChain = answer.<AuditReport.ChainOutcome>map(a -> switch (a.event()) {
            case ClusterEvent.Onboarded o -> new AuditReport.ChainOutcome.Onboarded(a.blockNumber());
            case ClusterEvent.Rejected x -> new AuditReport.ChainOutcome.Rejected(x.check(), a.blockNumber());
            default -> throw new IllegalStateException("not an answer: " + a.event());
        }).orElse(new AuditReport.ChainOutcome.Pending());
        if (answer.isEmpty() && r.state() != RequestState.PENDING) {
            throw new AuditException("request " + id + " is " + r.state() + " but its answer event is not in the blocks read");
        }
        long decidedAt = answer.map(ClusterContract.Emitted::blockNumber).orElse(view.blockNumber());
        Instant time;
        try {
            time = Instant.ofEpochSecond(view.blockAt(r.requestBlock()).timestamp());
        } catch (IllegalArgumentException e) {
            throw new AuditException("request block " + r.requestBlock() + " is above the pinned block " + view.blockNumber());
        }
        List<String> notes = new ArrayList<>();
        if (answer.isPresent() && history.policyChanged(r.requestBlock(), decidedAt)) {
            notes.add("the policy changed between the request block " + r.requestBlock() + " and the answer block " + decidedAt
                    + ": the member may have read the later policy");
        }
        // as the member saw it before answering: pending, at its answer block
        RequestView req = new StoredRequest(r, RequestState.PENDING, time, history.removedBy(r.node(), decidedAt), decidedAt,
                contract.reads(view).requestTtl());
        MemberSettings member = new MemberSettings(Audits.checkedCluster(cluster, contract.reads(view)),
                new ClusterPublicKeys(boot.signer(), boot.encKey()), settings.allowTestRoot());
        return new Inputs(req, ev.evidence(), member, history.policyAt(r.requestBlock()), onChain, notes);
    }

    /** Audits request {@code id}. */
    public AuditReport audit(BigInteger id) throws AuditException, ClusterContractException, RpcException {
        Inputs in = inputs(id);
        JoinChecks.Trace t = new JoinChecks(in.member(), in.policy(), collateral).trace(in.request(), in.evidence());
        AuditReport.Verdict v = verdict(t.outcome(), in.onChain());
        return new AuditReport("request", id, in.request().node(), in.request().requestBlock(), in.policy().block(),
                in.request().requestBlockTime(), settings.allowTestRoot(), settings.from(),
                AuditReport.results(Arrays.asList(JoinCheck.values()), t), t.outcome(), in.onChain(), v, in.notes());
    }

    static AuditReport.Verdict verdict(JoinOutcome audited, AuditReport.ChainOutcome onChain) {
        if (audited instanceof JoinOutcome.Undecided) return AuditReport.Verdict.UNDECIDED;
        return switch (onChain) {
            case AuditReport.ChainOutcome.Pending p -> AuditReport.Verdict.PENDING;
            case AuditReport.ChainOutcome.Onboarded o -> audited instanceof JoinOutcome.Passed ? AuditReport.Verdict.AGREES_PASSED : AuditReport.Verdict.DISAGREES;
            case AuditReport.ChainOutcome.Rejected r -> audited instanceof JoinOutcome.Failed f && f.check().number() == r.check()
                    ? AuditReport.Verdict.AGREES_REFUSED : AuditReport.Verdict.DISAGREES;
            default -> throw new IllegalArgumentException("not a request outcome: " + onChain);
        };
    }
}
