package org.dstack4j.agent.server;

import java.util.Optional;
import org.dstack4j.agent.api.AgentVersion;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;

/** The guest API over a fresh in-memory simulator, for tests that serve it on a socket. */
final class SimulatorApis {
    private SimulatorApis() {}

    static GuestApi fresh(String seed) throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig(seed, AppCompose.defaults(),
                MeasurementProfile.defaults(), Optional.empty()));
        return new GuestApi(tdx, tdx.appKeys(), tdx.appCa(), new AgentVersion("dstack4j-test", "abc123"));
    }
}
