package org.dstack4j.attestation.dcap;

import java.util.Optional;

/**
 * A TCB level status from Intel's TCB info / QE identity, ordered by severity (dcap-qvl's order).
 * {@link #name()} is Intel's spelling.
 */
public enum TcbStatus {
    UpToDate,
    SWHardeningNeeded,
    ConfigurationNeeded,
    ConfigurationAndSWHardeningNeeded,
    OutOfDate,
    OutOfDateConfigurationNeeded,
    Revoked;

    /** Intel's spelling to the constant, or empty for an unknown status. */
    public static Optional<TcbStatus> parse(String s) {
        for (TcbStatus t : values()) {
            if (t.name().equals(s)) return Optional.of(t);
        }
        return Optional.empty();
    }

    /**
     * Converges this (platform) status with a QE or TDX module status, as Intel QVL's
     * {@code convergeTcbStatusWithQeTcbStatus} and dcap-qvl do: an out-of-date QE on a platform that
     * needs configuration gives {@code OutOfDateConfigurationNeeded}; otherwise the more severe wins.
     */
    public TcbStatus convergeWith(TcbStatus other) {
        if (other == OutOfDate && (this == ConfigurationNeeded || this == ConfigurationAndSWHardeningNeeded)) {
            return OutOfDateConfigurationNeeded;
        }
        return other.ordinal() > ordinal() ? other : this;
    }
}
