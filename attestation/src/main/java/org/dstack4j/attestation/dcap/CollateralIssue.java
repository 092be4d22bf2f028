package org.dstack4j.attestation.dcap;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * Which issue of Intel's signed collateral a {@link Collateral} holds: the TCB info's platform (FMSPC) and the issue
 * of its TCB info and QE identity. Read with {@link PreparedCollateral#issue()}; the values come from the documents as
 * given, so they mean something only once a verification passed their signature and validity checks.
 *
 * @param fmspc      the TCB info's FMSPC, 12 upper-case hex digits (the platform family it describes)
 * @param tcbInfo    the TCB info's issue
 * @param qeIdentity the QE identity's issue (one document for every platform)
 */
public record CollateralIssue(String fmspc, Issue tcbInfo, Issue qeIdentity) {
    public CollateralIssue {
        Objects.requireNonNull(fmspc, "fmspc");
        Objects.requireNonNull(tcbInfo, "tcbInfo");
        Objects.requireNonNull(qeIdentity, "qeIdentity");
    }

    /**
     * One signed document's issue, ordered by {@code tcbEvaluationDataNumber} (Intel raises it at each TCB recovery),
     * then by {@code issueDate} (Intel re-issues a document, e.g. with a new TDX module's identity, under the same
     * number).
     *
     * @param tcbEvaluationDataNumber the document's {@code tcbEvaluationDataNumber} (0 when a QE identity has none)
     * @param issueDate               the document's {@code issueDate}
     */
    public record Issue(long tcbEvaluationDataNumber, Instant issueDate) implements Comparable<Issue> {
        private static final Comparator<Issue> ORDER =
                Comparator.comparingLong(Issue::tcbEvaluationDataNumber).thenComparing(Issue::issueDate);

        public Issue {
            Objects.requireNonNull(issueDate, "issueDate");
        }

        @Override
        public int compareTo(Issue o) {
            return ORDER.compare(this, o);
        }

        @Override
        public String toString() {
            return "tcbEvaluationDataNumber " + tcbEvaluationDataNumber + " issued " + issueDate;
        }
    }
}
