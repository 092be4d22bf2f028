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
 */
public record SimulatorConfig(String seed, AppCompose appCompose, MeasurementProfile profile,
        Optional<Path> stateDir) {

    /** Default seed of the {@code dstack4j agent} command. */
    public static final String DEFAULT_SEED = "dstack4j-simulator";

    /** Leaves the seed out: it derives every simulated key. */
    @Override
    public String toString() {
        return "SimulatorConfig[appCompose=" + appCompose.name() + ", stateDir=" + stateDir + "]";
    }
}
