package org.dstack4j.cluster.contract;

/** Policy kinds of the contract (docs/cluster-protocol.md, "Policy"); {@link #code()} is the on-chain uint8. */
public enum PolicyKind {
    /** keccak256(mrtd || rtmr0 || rtmr1 || rtmr2 || keyProviderDigest). */
    MEASUREMENT(1),
    /** SHA-256 of the app-compose. */
    COMPOSE_HASH(2),
    /** SHA-256 of the launcher compose. */
    LAUNCHER_COMPOSE_HASH(3),
    /** keccak256(bytes(status)). */
    TCB_STATUS(4),
    /** SHA-256 of the DER of a DCAP root certificate. */
    DCAP_ROOT(5),
    /** An approved image digest (SHA-256); listed newest first. */
    IMAGE(6);

    private final int code;

    PolicyKind(int code) {
        this.code = code;
    }

    /** The uint8 the contract uses. */
    public int code() {
        return code;
    }

    /**
     * The kind with on-chain code {@code code}.
     *
     * @throws IllegalArgumentException for an unknown code
     */
    public static PolicyKind of(int code) {
        for (PolicyKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown policy kind " + code + " (1..6)");
    }

    /** Parses a CLI-style name: {@code measurement}, {@code compose-hash}, {@code launcher-compose-hash}, ... */
    public static PolicyKind parse(String name) {
        for (PolicyKind k : values()) {
            if (k.cliName().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown policy kind '" + name + "'; one of measurement, compose-hash, "
                + "launcher-compose-hash, tcb-status, dcap-root, image");
    }

    /** The CLI-style name. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
