package org.dstack4j.attestation.dcap;

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

    /** Status when no TCB level was matched. */
    public static final String UNKNOWN = "Unknown";

    public DcapVerification {
        Objects.requireNonNull(status, "status");
        advisoryIds = List.copyOf(advisoryIds);
        checks = List.copyOf(checks);
        Objects.requireNonNull(quote, "quote");
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
