package org.dstack4j.agent.simulator;

import java.nio.file.Path;
import java.util.Optional;
import org.dstack4j.attestation.policy.ClusterKeyProvider;

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
 * @param cluster    in cluster mode, the cluster the {@code key-provider} boot event names (instead of the
 *                   app-compose's key provider); usually {@link ClusterKeyProvider#fromAppCompose} of the compose
 */
public record SimulatorConfig(String seed, AppCompose appCompose, MeasurementProfile profile,
        Optional<Path> stateDir, Optional<String> pkiSeed, Optional<ClusterKeyProvider> cluster) {

    public SimulatorConfig {
        pkiSeed = pkiSeed == null ? Optional.empty() : pkiSeed;
        cluster = cluster == null ? Optional.empty() : cluster;
    }

    /** A simulator whose keys come from its own key provider (not a cluster). */
    public SimulatorConfig(String seed, AppCompose appCompose, MeasurementProfile profile, Optional<Path> stateDir,
            Optional<String> pkiSeed) {
        this(seed, appCompose, profile, stateDir, pkiSeed, Optional.empty());
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
        return "SimulatorConfig[appCompose=" + appCompose.name() + ", stateDir=" + stateDir + ", pkiSeed=" + (pkiSeed.isPresent() ? "own" : "seed")
                + cluster.map(c -> ", cluster=" + c.id()).orElse("") + "]";
    }
}
