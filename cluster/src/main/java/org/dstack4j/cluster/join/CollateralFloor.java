package org.dstack4j.cluster.join;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.attestation.dcap.CollateralIssue;

/**
 * The newest issue of Intel's signed collateral a member has verified (docs/cluster-protocol.md "Stale collateral"):
 * TCB info per DCAP root and FMSPC, QE identity per DCAP root. Collateral older than that floor is stale: the host
 * served an older copy that is still within its validity, which could turn {@code tdx-module}, {@code tcb-level},
 * {@code qe-identity-match} or the TCB status against a newcomer (or for it), so the member decides nothing on it.
 * The floor only rises. It lives in memory: a restart resets it (the first collateral verified after a restart sets it
 * again). Thread-safe.
 */
final class CollateralFloor {
    /** Distinct (root, FMSPC) keys kept; Intel lists a few hundred FMSPCs, and beyond the cap a platform gets no floor. */
    static final int MAX_PLATFORMS = 4096;

    private final Map<String, CollateralIssue.Issue> tcbInfo = new HashMap<>();
    private final Map<String, CollateralIssue.Issue> qeIdentity = new HashMap<>();

    /**
     * Checks {@code issue} against the floor of {@code root} and, when it is not older and {@code raise} holds, lifts
     * the floor to it.
     *
     * @param root  hex SHA-256 of the DCAP root the collateral chains to
     * @param issue the verified collateral's issue
     * @param raise whether this collateral may raise the floor (its root is one the member trusts)
     * @return why the collateral is stale, or empty when it is not older than the floor
     */
    synchronized Optional<String> admit(String root, CollateralIssue issue, boolean raise) {
        String platform = root + "/" + issue.fmspc();
        CollateralIssue.Issue tcbFloor = tcbInfo.get(platform);
        if (tcbFloor != null && issue.tcbInfo().compareTo(tcbFloor) < 0) {
            return Optional.of("TCB info for FMSPC " + issue.fmspc() + " (" + issue.tcbInfo() + ") is older than the newest this member "
                    + "verified (" + tcbFloor + ")");
        }
        CollateralIssue.Issue qeFloor = qeIdentity.get(root);
        if (qeFloor != null && issue.qeIdentity().compareTo(qeFloor) < 0) {
            return Optional.of("QE identity (" + issue.qeIdentity() + ") is older than the newest this member verified (" + qeFloor + ")");
        }
        if (raise) {
            if (tcbFloor != null || tcbInfo.size() < MAX_PLATFORMS) tcbInfo.put(platform, issue.tcbInfo());
            if (qeFloor != null || qeIdentity.size() < MAX_PLATFORMS) qeIdentity.put(root, issue.qeIdentity());
        }
        return Optional.empty();
    }
}
