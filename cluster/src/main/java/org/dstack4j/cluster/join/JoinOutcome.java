package org.dstack4j.cluster.join;

import java.util.List;
import java.util.Objects;

/** What the join checks decided about one request. */
public sealed interface JoinOutcome permits JoinOutcome.Passed, JoinOutcome.Failed, JoinOutcome.Undecided {

    /**
     * All 14 checks passed: the member may seal the secret to the request's key.
     *
     * @param details one line per check, in order, for audit output (never a secret)
     */
    record Passed(List<String> details) implements JoinOutcome {
        public Passed {
            details = List.copyOf(details);
        }
    }

    /**
     * The first check that failed: the member answers {@code reject(id, check.number())}.
     *
     * @param check  the failed check
     * @param reason what was wrong (never a secret)
     */
    record Failed(JoinCheck check, String reason) implements JoinOutcome {
        public Failed {
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The member could not decide (an input it needs is unavailable: collateral not fetched, a policy read
     * failed): it answers nothing, so a host that refuses to relay cannot turn a good request into a rejection.
     *
     * @param check  the check that could not run
     * @param reason why
     */
    record Undecided(JoinCheck check, String reason) implements JoinOutcome {
        public Undecided {
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
