package org.dstack4j.cluster.audit;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;

/**
 * What an audit found: each named check with its result, the audit's own decision, what the chain recorded, and
 * whether they agree. Public values only.
 *
 * @param subject       {@code request} or {@code genesis}
 * @param id            the request or genesis id
 * @param node          the newcomer's (or genesis) node address
 * @param block         the request (or submission) block
 * @param policyBlock   the block whose policy the checks used
 * @param evaluatedAt   the chain time DCAP was evaluated at (that block's timestamp)
 * @param allowTestRoot the member setting used for {@code dcap-root}, and {@code allowTestRootFrom} where it came from
 * @param checks        every check in order: passed, failed, undecided or not run
 * @param audited       the audit's decision
 * @param onChain       what the contract recorded
 * @param verdict       whether they agree
 * @param notes         facts that explain a disagreement (e.g. the policy changed before the answer)
 */
public record AuditReport(String subject, BigInteger id, Address node, long block, long policyBlock, Instant evaluatedAt,
                          boolean allowTestRoot, String allowTestRootFrom, List<CheckResult> checks, JoinOutcome audited,
                          ChainOutcome onChain, Verdict verdict, List<String> notes) {
    public AuditReport {
        Objects.requireNonNull(verdict, "verdict");
        checks = List.copyOf(checks);
        notes = List.copyOf(notes);
    }

    /** A check's result. */
    public enum Result { PASS, FAIL, UNDECIDED, NOT_RUN }

    /**
     * One named check.
     *
     * @param number the join check's wire number, 0 for the genesis audit's bootstrap checks
     * @param name   its kebab-case name
     */
    public record CheckResult(int number, String name, Result result, String detail) {}

    /** What the contract records about the subject. */
    public sealed interface ChainOutcome {
        /** {@code Onboarded} in {@code block}. */
        record Onboarded(long block) implements ChainOutcome {}

        /** {@code Rejected} with check number {@code check} in {@code block}. */
        record Rejected(int check, long block) implements ChainOutcome {}

        /** A request with no answer yet. */
        record Pending() implements ChainOutcome {}

        /** The governor bootstrapped this genesis in {@code block}. */
        record Bootstrapped(long block) implements ChainOutcome {}

        /** Not bootstrapped: none yet, or {@code other} genesis was. */
        record NotBootstrapped(Optional<BigInteger> other) implements ChainOutcome {}
    }

    /** The audit's verdict; {@link #exitCode()} is the CLI's exit status. */
    public enum Verdict {
        /** The chain onboarded (bootstrapped) it and every check passes. */
        AGREES_PASSED(0, "agrees: every check passes"),
        /** The chain refused it with the check the audit fails first (a genesis: not bootstrapped, and a check fails). */
        AGREES_REFUSED(3, "agrees: refused with the same check"),
        /** The chain's outcome is not the audit's. */
        DISAGREES(4, "DISAGREES with the chain"),
        /** No outcome on chain yet (a pending request; a genesis not bootstrapped that passes). */
        PENDING(5, "no outcome on chain yet"),
        /** A check could not run (no collateral): nothing to compare. */
        UNDECIDED(6, "undecided: a check could not run");

        private final int exitCode;
        private final String text;

        Verdict(int exitCode, String text) {
            this.exitCode = exitCode;
            this.text = text;
        }

        public int exitCode() {
            return exitCode;
        }

        public String text() {
            return text;
        }
    }

    /**
     * Every check in {@code order} with its result from {@code trace}: passed ones with their detail, the deciding one
     * failed or undecided, the rest not run.
     */
    static List<CheckResult> results(List<JoinCheck> order, JoinChecks.Trace trace) {
        List<CheckResult> out = new ArrayList<>();
        JoinCheck decided = switch (trace.outcome()) {
            case JoinOutcome.Failed f -> f.check();
            case JoinOutcome.Undecided u -> u.check();
            case JoinOutcome.Passed p -> null;
        };
        boolean after = false;
        for (JoinCheck c : order) {
            Optional<JoinChecks.Step> s = trace.passed().stream().filter(x -> x.check() == c).findFirst();
            if (s.isPresent()) {
                out.add(new CheckResult(c.number(), c.checkName(), Result.PASS, s.get().detail()));
            } else if (c == decided && !after) {
                after = true;
                boolean failed = trace.outcome() instanceof JoinOutcome.Failed;
                String why = trace.outcome() instanceof JoinOutcome.Failed f ? f.reason() : ((JoinOutcome.Undecided) trace.outcome()).reason();
                out.add(new CheckResult(c.number(), c.checkName(), failed ? Result.FAIL : Result.UNDECIDED, why));
            } else {
                out.add(new CheckResult(c.number(), c.checkName(), Result.NOT_RUN, "not run"));
            }
        }
        return out;
    }
}
