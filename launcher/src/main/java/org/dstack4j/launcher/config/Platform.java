package org.dstack4j.launcher.config;

import java.util.Optional;

/** Where the launcher runs: in a TDX CVM with a guest agent ({@code TEE}) or not ({@code NONTEE}). */
public enum Platform {
    TEE,
    NONTEE;

    /** Parses the exact values {@code TEE} or {@code NONTEE}; empty otherwise. */
    public static Optional<Platform> parse(String value) {
        if ("TEE".equals(value)) return Optional.of(TEE);
        if ("NONTEE".equals(value)) return Optional.of(NONTEE);
        return Optional.empty();
    }
}
