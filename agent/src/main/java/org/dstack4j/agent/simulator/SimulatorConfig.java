package org.dstack4j.agent.simulator;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a simulated TDX CVM is booted from.
 *
 * @param seed       seed text for every derived key, id and certificate (same seed → same values)
 * @param appCompose the app-compose whose hash goes into RTMR3 and MRCONFIGID
 * @param profile    static measurements (MRTD, RTMR0–2, TD report fields, QE, PCK TCB)
 * @param stateDir   where the event log persists; empty keeps state in memory only
 * @param pkiSeed    seed of the TEST PKI (root CA, PCK chain, collateral signer) when it differs from {@code seed}:
 *                   simulators with one {@code pkiSeed} and different seeds are distinct CVMs (own keys, instance
 *                   id, attestation key) on one simulated platform, so their quotes chain to one test root
 */
public record SimulatorConfig(String seed, AppCompose appCompose, MeasurementProfile profile,
        Optional<Path> stateDir, Optional<String> pkiSeed) {

    public SimulatorConfig {
        pkiSeed = pkiSeed == null ? Optional.empty() : pkiSeed;
    }

    /** A simulator whose TEST PKI comes from {@code seed} too. */
    public SimulatorConfig(String seed, AppCompose appCompose, MeasurementProfile profile, Optional<Path> stateDir) {
        this(seed, appCompose, profile, stateDir, Optional.empty());
    }

    /** The seed the TEST PKI is derived from: {@code pkiSeed}, else {@code seed}. */
    public String effectivePkiSeed() {
        return pkiSeed.orElse(seed);
    }

    /** Default seed of the {@code dstack4j agent} command. */
    public static final String DEFAULT_SEED = "dstack4j-simulator";

    /** Leaves the seed out: it derives every simulated key. */
    @Override
    public String toString() {
        return "SimulatorConfig[appCompose=" + appCompose.name() + ", stateDir=" + stateDir + ", pkiSeed=" + (pkiSeed.isPresent() ? "own" : "seed") + "]";
    }
}
