package org.dstack4j.attestation.dcap;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * The outcome of {@link DcapVerifier#verify}: every DCAP step as a named {@link Check}, the TCB status
 * and advisories, and the parsed quote.
 *
 * @param valid       every check passed (which includes: the status is not {@code Revoked}). An
 *                    {@code OutOfDate} platform is still {@code valid}, as in dcap-qvl; callers decide
 *                    which statuses to accept
 * @param status      {@code UpToDate}, {@code SWHardeningNeeded}, {@code ConfigurationNeeded},
 *                    {@code ConfigurationAndSWHardeningNeeded}, {@code OutOfDate},
 *                    {@code OutOfDateConfigurationNeeded}, {@code Revoked}; {@code Unknown} when no TCB level was
 *                    matched or when a check other than {@code tcb-status} and {@code td-attributes} failed
 *                    (a status read from unauthenticated or stale evidence means nothing)
 * @param advisoryIds Intel security advisories (e.g. {@code INTEL-SA-01036}) of the matched platform,
 *                    TDX module and QE TCB levels; empty when the status is {@code Unknown}
 * @param checks      the checks in the order they ran (see {@link DcapVerifier} for the names)
 * @param quote       the parsed quote, when it parsed
 */
public record DcapVerification(boolean valid, String status, List<String> advisoryIds, List<Check> checks,
        Optional<TdxQuote> quote) {

    /** Name of {@link #statusAccepted(Collection)}'s check. */
    public static final String TCB_STATUS_ACCEPTED = "tcb-status-accepted";

    /** Status when no TCB level was matched. */
    public static final String UNKNOWN = "Unknown";

    public DcapVerification {
        Objects.requireNonNull(status, "status");
        advisoryIds = List.copyOf(advisoryIds);
        checks = List.copyOf(checks);
        Objects.requireNonNull(quote, "quote");
    }

    /**
     * Whether the verifier's policy accepts this status: passes when it is one of {@code accepted} (a
     * verdict also needs {@link #valid()}; a failed check leaves the status {@value #UNKNOWN}). Advisory IDs never decide it: with {@code UpToDate} Intel attaches only
     * informational ones (e.g. {@code INTEL-DOC-10000} past a product's servicing date; security advisories
     * {@code INTEL-SA-…} come with a lower status), so, as the MPC contract does, {@code UpToDate} with
     * advisories is accepted; the IDs are named in the detail either way.
     *
     * @param accepted Intel status names, e.g. {@code ["UpToDate"]} (the contract accepts only that one)
     * @return the check {@value #TCB_STATUS_ACCEPTED}
     */
    public Check statusAccepted(Collection<String> accepted) {
        String list = String.join(",", accepted);
        String advisories = advisoryIds.isEmpty() ? ", no advisory IDs"
                : ", advisory IDs " + String.join(" ", advisoryIds) + (TcbStatus.UpToDate.name().equals(status)
                        ? " (informational with UpToDate; reported, not rejected)" : "");
        return accepted.contains(status)
                ? Check.pass(TCB_STATUS_ACCEPTED, status + " is accepted (" + list + ")" + advisories)
                : Check.fail(TCB_STATUS_ACCEPTED, status + " is not among the accepted statuses " + list + advisories);
    }

    /** The first failed check, if any. */
    public Optional<Check> firstFailure() {
        return checks.stream().filter(c -> !c.ok()).findFirst();
    }

    /** The check named {@code name}, if it ran. */
    public Optional<Check> check(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
